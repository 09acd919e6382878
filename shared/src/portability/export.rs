//! The export: `POST /export` queues a job; the portability worker writes the user's
//! archive (`archive`) to S3 as a multipart upload while it reads the account, so
//! neither the account nor the archive is ever held whole; `GET /export/{id}` gives a
//! short-lived download URL while the archive lasts (`ARCHIVE_LIFETIME`). The cleanup
//! job removes archives once expired (and a lifecycle rule on `exports/` backs it up).

use super::archive::{self, Chat, DesignProject, Group, Memory, MemoryTag, Profile, Project, Prompt, Prototype};
use super::archive::{Variant, Version};
use crate::error::{ApiError, ApiResult};
use crate::model::Exported;
use crate::store::chats::ChatItem;
use crate::store::exports::{self, ExportItem, ExportStatus};
use crate::store::prompts::PromptItem;
use crate::store::prototypes::{self as design, DesignProjectItem};
use crate::store::{self, keys, memories, pairs, projects, users, StoreError};
use crate::Deps;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use std::time::Duration;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// How long an archive can be downloaded once written.
pub const ARCHIVE_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How long a download URL of the archive works.
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);

/// The size of each uploaded part but the last (S3 takes 5 MiB at least).
const PART_BYTES: usize = 8 * 1024 * 1024;

/// An export queued or running this long without news will not finish: its job
/// failed every delivery (the queue retries it 3 times, 90 minutes apart at most).
const GIVEN_UP_AFTER: Duration = Duration::from_secs(6 * 3600);

/// Chats whose pairs are read at once while the archive is written (in their order).
const CHATS_AHEAD: usize = 4;

/// `202` of `POST /export`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStarted {
    pub id: Uuid,
}

/// `GET /export/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Export {
    pub id: Uuid,
    pub status: ExportStatus,
    /// While `complete`: where to download the archive (a JSON file), for the next 15
    /// minutes (ask again for a fresh one until `expires_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// While `complete`: when the archive is removed.
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Bytes of the archive (once written).
    pub size: i64,
    /// What the archive holds (once written).
    pub exported: Exported,
    /// Why the export failed (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `POST /export`: queues the export of everything the user has (at most
/// `ratelimit::EXPORTS_PER_USER`).
pub async fn start_export(deps: &Deps, owner: Uuid) -> ApiResult<ExportStarted> {
    let limit = crate::ratelimit::EXPORTS_PER_USER;
    crate::ratelimit::refuse_if_spent_by_user(deps, limit, owner).await?;
    crate::ratelimit::count_for_user(deps, limit, owner).await?;
    let item = ExportItem::new(owner, deps.clock.now());
    exports::create(&deps.table, &item).await?;
    crate::queue::enqueue(deps, crate::queue::JobKind::Export { user_id: owner, export_id: item.id }).await?;
    Ok(ExportStarted { id: item.id })
}

/// `GET /export/{id}`.
pub async fn get_export(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Export> {
    let item = exports::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    let now = deps.clock.now();
    // Past its time the archive is gone (or about to be): never a link to it.
    let live = item.status == ExportStatus::Complete && item.expires_at.is_some_and(|at| at > now);
    let given_up =
        matches!(item.status, ExportStatus::Queued | ExportStatus::Running) && now - item.updated_at > GIVEN_UP_AFTER;
    let status = match item.status {
        ExportStatus::Complete if !live => ExportStatus::Expired,
        _ if given_up => ExportStatus::Failed,
        status => status,
    };
    let download_url = match live {
        true => Some(download_url(deps, &item).await?),
        false => None,
    };
    Ok(Export {
        id: item.id,
        status,
        download_url,
        expires_at: item.expires_at.filter(|_| live),
        size: item.size,
        exported: item.exported,
        error: match given_up {
            true => Some("The export did not finish. Start a new one.".into()),
            false => item.error,
        },
        created_at: item.created_at,
        updated_at: item.updated_at,
    })
}

async fn download_url(deps: &Deps, item: &ExportItem) -> ApiResult<String> {
    let filename = format!("myclaude-export-{}.json", item.created_at.date());
    let presigned = deps
        .s3
        .get_object()
        .bucket(&deps.config.files_bucket)
        .key(keys::export_object(item.owner, item.id))
        .response_content_type("application/json")
        .response_content_disposition(crate::files::rules::content_disposition(&filename))
        .presigned(crate::files::presigning(deps, DOWNLOAD_URL_TTL)?)
        .await
        .map_err(|err| ApiError::internal("presigning an export", &err))?;
    Ok(presigned.uri().to_string())
}

/// Runs an export job: writes the archive and records it. `None` when the export is
/// gone (its account was deleted). An error is one worth retrying.
pub async fn run_export(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Option<ExportStatus>> {
    let Some(item) = exports::get(&deps.table, owner, id).await? else {
        return Ok(None);
    };
    if !matches!(item.status, ExportStatus::Queued | ExportStatus::Running) {
        return Ok(Some(item.status));
    }
    let now = deps.clock.now();
    if !exports::record(&deps.table, owner, id, ExportStatus::Running, None, now).await? {
        return Ok(None);
    }
    let Some(user) = users::get(&deps.table, owner).await? else {
        return Ok(None);
    };
    let key = keys::export_object(owner, id);
    let mut upload = Upload::start(deps, key).await?;
    let written = write_archive(deps, &user, &mut upload).await;
    let (exported, size) = match written {
        Ok(exported) => match upload.finish().await {
            Ok(size) => (exported, size),
            Err(err) => return Err(err),
        },
        Err(err) => {
            upload.abort().await;
            return Err(err);
        }
    };
    let expires_at = deps.clock.now() + ARCHIVE_LIFETIME;
    if !exports::complete(&deps.table, owner, id, &exported, size, expires_at, deps.clock.now()).await? {
        // The account went meanwhile: so does its archive.
        crate::files::delete_object(deps, keys::export_object(owner, id)).await?;
        return Ok(None);
    }
    Ok(Some(ExportStatus::Complete))
}

/// Removes the archives expired by now and marks their exports so (the cleanup job);
/// how many.
pub async fn remove_expired(deps: &Deps, limit: usize) -> ApiResult<u64> {
    let now = deps.clock.now();
    let mut removed = 0;
    for item in exports::expired(&deps.table, now, limit).await? {
        crate::files::delete_object(deps, keys::export_object(item.owner, item.id)).await?;
        if exports::expire(&deps.table, item.owner, item.id, now).await? {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Where an archive's bytes go: a multipart upload to S3 (the worker), or any writer
/// (the operator CLI's `export`).
enum Target<'a> {
    S3 { deps: &'a Deps, key: String, upload_id: String, parts: Vec<CompletedPart> },
    Io(std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send + Sync + 'a>>),
}

/// The archive being written: bytes gather in a buffer and go out a part (8 MiB) at a
/// time.
struct Upload<'a> {
    target: Target<'a>,
    buffer: Vec<u8>,
    size: i64,
}

impl<'a> Upload<'a> {
    async fn start(deps: &'a Deps, key: String) -> ApiResult<Self> {
        let created = deps
            .s3
            .create_multipart_upload()
            .bucket(&deps.config.files_bucket)
            .key(&key)
            .content_type("application/json")
            .send()
            .await?;
        let upload_id = created.upload_id.ok_or_else(ApiError::unavailable)?;
        let target = Target::S3 { deps, key, upload_id, parts: Vec::new() };
        Ok(Self { target, buffer: Vec::with_capacity(PART_BYTES), size: 0 })
    }

    fn to_writer(writer: impl tokio::io::AsyncWrite + Send + Sync + 'a) -> Self {
        Self { target: Target::Io(Box::pin(writer)), buffer: Vec::with_capacity(PART_BYTES), size: 0 }
    }

    /// Adds `value` as JSON (after `prefix`, e.g. a comma or a key).
    async fn write(&mut self, prefix: &str, value: &impl Serialize) -> ApiResult<()> {
        self.buffer.extend_from_slice(prefix.as_bytes());
        serde_json::to_writer(&mut self.buffer, value).map_err(|err| ApiError::internal("writing an archive", &err))?;
        self.send_full().await
    }

    async fn raw(&mut self, text: &str) -> ApiResult<()> {
        self.buffer.extend_from_slice(text.as_bytes());
        self.send_full().await
    }

    async fn send_full(&mut self) -> ApiResult<()> {
        if self.buffer.len() >= PART_BYTES {
            self.send_part().await?;
        }
        Ok(())
    }

    async fn send_part(&mut self) -> ApiResult<()> {
        let body = std::mem::replace(&mut self.buffer, Vec::with_capacity(PART_BYTES));
        self.size += body.len() as i64;
        match &mut self.target {
            Target::S3 { deps, key, upload_id, parts } => {
                let number = parts.len() as i32 + 1;
                let sent = deps
                    .s3
                    .upload_part()
                    .bucket(&deps.config.files_bucket)
                    .key(key.as_str())
                    .upload_id(upload_id.as_str())
                    .part_number(number)
                    .body(body.into())
                    .send()
                    .await?;
                parts.push(CompletedPart::builder().set_e_tag(sent.e_tag).part_number(number).build());
            }
            Target::Io(writer) => {
                use tokio::io::AsyncWriteExt;
                writer.write_all(&body).await.map_err(|err| ApiError::internal("writing an archive", &err))?;
            }
        }
        Ok(())
    }

    /// Sends the rest and completes the archive; its size.
    async fn finish(mut self) -> ApiResult<i64> {
        if let Err(err) = self.send_part().await {
            self.abort().await;
            return Err(err);
        }
        let finished = match &mut self.target {
            Target::S3 { deps, key, upload_id, parts } => {
                let parts = CompletedMultipartUpload::builder().set_parts(Some(std::mem::take(parts))).build();
                deps.s3
                    .complete_multipart_upload()
                    .bucket(&deps.config.files_bucket)
                    .key(key.as_str())
                    .upload_id(upload_id.as_str())
                    .multipart_upload(parts)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(ApiError::from)
            }
            Target::Io(writer) => {
                use tokio::io::AsyncWriteExt;
                writer.flush().await.map_err(|err| ApiError::internal("writing an archive", &err))
            }
        };
        if let Err(err) = finished {
            self.abort().await;
            return Err(err);
        }
        Ok(self.size)
    }

    /// Gives an upload up (its parts are dropped; the bucket's lifecycle rule also
    /// aborts any left after a day).
    async fn abort(&self) {
        let Target::S3 { deps, key, upload_id, .. } = &self.target else { return };
        let aborted = deps
            .s3
            .abort_multipart_upload()
            .bucket(&deps.config.files_bucket)
            .key(key.as_str())
            .upload_id(upload_id.as_str())
            .send()
            .await;
        if let Err(err) = aborted {
            tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&err), %key, "aborting an export's upload failed");
        }
    }
}

/// Writes the archive of `owner`'s account to `writer` (the operator CLI): what it
/// holds and its size.
pub async fn export_to(
    deps: &Deps,
    owner: Uuid,
    writer: impl tokio::io::AsyncWrite + Send + Sync,
) -> ApiResult<(Exported, i64)> {
    let user = users::get(&deps.table, owner).await?.ok_or_else(ApiError::not_found)?;
    let mut out = Upload::to_writer(writer);
    let exported = write_archive(deps, &user, &mut out).await?;
    Ok((exported, out.finish().await?))
}

/// A list section of the archive: `"name":[` … `]`, entries comma-separated.
struct List<'u, 'a> {
    upload: &'u mut Upload<'a>,
    count: u64,
}

impl<'u, 'a> List<'u, 'a> {
    async fn open(upload: &'u mut Upload<'a>, name: &str) -> ApiResult<Self> {
        upload.raw(&format!(",\"{name}\":[")).await?;
        Ok(Self { upload, count: 0 })
    }

    async fn push(&mut self, entry: &impl Serialize) -> ApiResult<()> {
        self.upload.write(if self.count == 0 { "" } else { "," }, entry).await?;
        self.count += 1;
        Ok(())
    }

    async fn close(self) -> ApiResult<u64> {
        self.upload.raw("]").await?;
        Ok(self.count)
    }
}

/// Writes the whole archive of `user`'s account; what it holds.
async fn write_archive(deps: &Deps, user: &users::UserItem, upload: &mut Upload<'_>) -> ApiResult<Exported> {
    let owner = user.id;
    let table = &deps.table;
    let mut exported = Exported::default();
    upload.raw(&format!("{{\"format\":\"{}\",\"version\":{}", archive::FORMAT, archive::VERSION)).await?;
    upload.write(",\"exported_at\":", &time_text(deps.clock.now())?).await?;
    upload.write(",\"profile\":", &Profile::from(user)).await?;

    let mut list = List::open(upload, "prompts").await?;
    let mut pages = std::pin::pin!(store::prefix_pages::<PromptItem>(table, keys::user(owner), keys::PROMPT_PREFIX));
    while let Some(page) = pages.try_next().await? {
        for prompt in page {
            list.push(&Prompt::from(prompt)).await?;
        }
    }
    exported.prompts = list.close().await?;

    let (tags, all_memories) = tokio::try_join!(memories::tags(table, owner), memories::all(table, owner))?;
    let mut list = List::open(upload, "memory_tags").await?;
    for tag in tags {
        list.push(&MemoryTag::from(tag)).await?;
    }
    exported.memory_tags = list.close().await?;
    let mut list = List::open(upload, "memories").await?;
    // Oldest first, as they were made.
    for memory in all_memories.into_iter().rev() {
        list.push(&Memory::from(memory)).await?;
    }
    exported.memories = list.close().await?;

    let mut list = List::open(upload, "projects").await?;
    let mut pages =
        std::pin::pin!(store::prefix_pages::<projects::ProjectItem>(table, keys::user(owner), keys::PROJECT_PREFIX));
    while let Some(page) = pages.try_next().await? {
        for project in page {
            let knowledge = projects::all_knowledge(table, owner, project.id).await?;
            exported.knowledge += knowledge.len() as u64;
            list.push(&Project::new(project, knowledge)).await?;
        }
    }
    exported.projects = list.close().await?;

    let mut list = List::open(upload, "design_projects").await?;
    let mut pages =
        std::pin::pin!(store::prefix_pages::<DesignProjectItem>(table, keys::user(owner), keys::DESIGN_PREFIX));
    while let Some(page) = pages.try_next().await? {
        for design in page {
            let entry = design_project(deps, owner, design, &mut exported).await?;
            list.push(&entry).await?;
        }
    }
    exported.design_projects = list.close().await?;

    // The chats last: the largest part. A few chats' pairs are read ahead, in order.
    let mut list = List::open(upload, "chats").await?;
    let chats = store::prefix_pages::<ChatItem>(table, keys::user(owner), keys::CHAT_PREFIX)
        .map_ok(|page| futures::stream::iter(page.into_iter().map(Ok::<_, StoreError>)))
        .try_flatten()
        .map(|chat| async move {
            let chat = chat?;
            let pairs = pairs::since(table, owner, chat.id, None).await?;
            Ok::<_, StoreError>(Chat::new(chat, pairs))
        })
        .buffered(CHATS_AHEAD);
    let mut chats = std::pin::pin!(chats);
    while let Some(chat) = chats.try_next().await? {
        exported.messages += chat.messages();
        exported.attachments += chat.attachments();
        list.push(&chat).await?;
    }
    exported.chats = list.close().await?;
    upload.raw("}").await?;
    Ok(exported)
}

/// A design project with its groups, and its prototypes with every version's page.
async fn design_project(
    deps: &Deps,
    owner: Uuid,
    design: DesignProjectItem,
    exported: &mut Exported,
) -> ApiResult<DesignProject> {
    let table = &deps.table;
    let (groups, prototypes) = tokio::try_join!(
        design::groups(table, owner, design.id),
        design::prototypes_of_design(table, owner, design.id, usize::MAX)
    )?;
    let mut entries = Vec::with_capacity(prototypes.len());
    for prototype in prototypes {
        let mut variants = Vec::new();
        for variant in design::variants(table, owner, prototype.id).await? {
            let stored = design::versions(table, owner, prototype.id, variant.id).await?;
            let pages = futures::future::try_join_all(
                stored.iter().map(|version| crate::prototypes::pages::read_page(deps, version)),
            )
            .await?;
            exported.versions += stored.len() as u64;
            let versions = stored.into_iter().zip(pages).map(|(v, html)| Version::new(v, html)).collect();
            variants.push(Variant::new(variant, versions));
        }
        entries.push(Prototype::new(prototype, variants));
    }
    exported.prototypes += entries.len() as u64;
    Ok(DesignProject::new(design, groups.into_iter().map(Group::from).collect(), entries))
}

fn time_text(at: OffsetDateTime) -> ApiResult<String> {
    at.format(&time::format_description::well_known::Rfc3339).map_err(|err| ApiError::internal("a time", &err))
}
