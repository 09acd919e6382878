//! Files: uploads straight to S3 with a presigned PUT, checked when the client says
//! they are complete (size, and the real type from the bytes), then usable as chat
//! attachments or as the avatar. Filenames are display data only.

pub mod api;
pub mod rules;

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::store::files::{self, FileItem};
use crate::store::keys;
use crate::Deps;
use api::{CreateFileRequest, File, FileStatus, Purpose, UploadRequest, UploadTicket, ValidateFileRequest};
use aws_sdk_s3::presigning::PresigningConfig;
use http::StatusCode;
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// How long an upload URL works.
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a download URL works.
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(5 * 60);
/// Uploads not completed within this long are removed by the cleanup job.
pub const STALE_UPLOAD: time::Duration = time::Duration::hours(24);

fn declared_problems(filename: &str, content_type: &str, size: i64, purpose: Purpose) -> ApiResult<&'static str> {
    let problems = rules::check(filename, content_type, size, purpose);
    if problems.is_empty() {
        return Ok(rules::media_type(content_type).expect("checked"));
    }
    let mut fields = FieldErrors::new();
    for (field, problem) in problems {
        fields.entry(field.to_string()).or_default().push(problem);
    }
    Err(ApiError::invalid_fields(fields))
}

/// POST /files/validate.
pub fn validate(req: &ValidateFileRequest) -> ApiResult<()> {
    declared_problems(&req.filename, &req.content_type, req.size, req.purpose.unwrap_or(Purpose::Attachment))
        .map(|_| ())
}

/// Presigned requests made now, good for `ttl`.
pub(crate) fn presigning(deps: &Deps, ttl: Duration) -> ApiResult<PresigningConfig> {
    PresigningConfig::builder()
        .start_time(deps.clock.now().into())
        .expires_in(ttl)
        .build()
        .map_err(|err| ApiError::internal("presigning config", &err))
}

/// POST /files: the record (pending) and where to PUT the bytes. The signature covers
/// the content type and length, so S3 refuses any other.
pub async fn create(deps: &Deps, owner: Uuid, req: CreateFileRequest) -> ApiResult<UploadTicket> {
    let media_type = declared_problems(&req.filename, &req.content_type, req.size, req.purpose)?;
    let now = deps.clock.now();
    let file = FileItem::new(
        owner,
        req.filename.trim().to_string(),
        media_type,
        req.size,
        rules::kind(media_type),
        req.purpose,
        now,
    );
    let presigned = deps
        .s3
        .put_object()
        .bucket(&deps.config.files_bucket)
        .key(keys::upload_object(owner, file.id))
        .content_type(media_type)
        .content_length(req.size)
        .presigned(presigning(deps, UPLOAD_URL_TTL)?)
        .await
        .map_err(|err| ApiError::internal("presigning an upload", &err))?;
    files::put(&deps.table, &file).await?;
    let headers: BTreeMap<String, String> = presigned
        .headers()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Ok(UploadTicket {
        id: file.id,
        upload: UploadRequest { url: presigned.uri().to_string(), method: presigned.method().to_string(), headers },
        expires_at: now + UPLOAD_URL_TTL,
    })
}

async fn require(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<FileItem> {
    files::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)
}

fn view(item: FileItem, download_url: Option<String>) -> File {
    File {
        id: item.id,
        filename: item.filename,
        media_type: item.media_type,
        size: item.size,
        kind: item.kind,
        purpose: item.purpose,
        status: item.status,
        created_at: item.created_at,
        download_url,
    }
}

/// Whether an S3 error means the object is not there (404, or 403 from a signer not
/// allowed to list the bucket).
fn missing(status: Option<u16>) -> bool {
    matches!(status, Some(404) | Some(403))
}

/// Deletes an object; a missing one is fine (deletes are idempotent in S3).
pub async fn delete_object(deps: &Deps, key: String) -> ApiResult<()> {
    deps.s3.delete_object().bucket(&deps.config.files_bucket).key(key).send().await?;
    Ok(())
}

/// Refuses a stored upload: the object and the record go.
async fn reject(deps: &Deps, file: &FileItem, err: ApiError) -> ApiResult<File> {
    tracing::info!(file_id = %file.id, code = err.code, "upload refused");
    delete_object(deps, keys::upload_object(file.owner, file.id)).await?;
    files::delete(&deps.table, file.owner, file.id).await?;
    Err(err)
}

/// POST /files/{id}/complete: checks the stored bytes and makes the file ready.
pub async fn complete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<File> {
    let file = require(deps, owner, id).await?;
    if file.status == FileStatus::Ready {
        return Ok(view(file, None));
    }
    let upload_key = keys::upload_object(owner, file.id);
    let head = deps.s3.head_object().bucket(&deps.config.files_bucket).key(&upload_key).send().await;
    let stored_size = match head {
        Ok(head) => head.content_length().unwrap_or_default(),
        Err(err) if missing(err.raw_response().map(|r| r.status().as_u16())) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "upload_missing",
                "Nothing was uploaded for this file yet: PUT the bytes to the upload URL first.",
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let limit = rules::max_size(&file.media_type, file.purpose);
    if stored_size > limit {
        let err = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", format!("At most {limit} bytes."));
        return reject(deps, &file, err).await;
    }
    if stored_size != file.size {
        let err = ApiError::new(
            StatusCode::BAD_REQUEST,
            "size_mismatch",
            format!("The upload has {stored_size} bytes, not the {} declared.", file.size),
        );
        return reject(deps, &file, err).await;
    }
    if file.purpose == Purpose::Import {
        return complete_import(deps, file, upload_key).await;
    }
    let object = deps.s3.get_object().bucket(&deps.config.files_bucket).key(&upload_key).send().await?;
    let bytes = object.body.collect().await.map_err(|err| ApiError::internal("reading an upload", &err))?.into_bytes();
    if !rules::content_matches(&file.media_type, &bytes) {
        let err = content_refused(&file);
        return reject(deps, &file, err).await;
    }
    // Checked: exactly these bytes move out of `uploads/` (where the lifecycle rule
    // expires leftovers). Writing what was checked, rather than copying the upload,
    // leaves no window to swap the object with the still-valid upload URL.
    deps.s3
        .put_object()
        .bucket(&deps.config.files_bucket)
        .key(file.object())
        .content_type(&file.media_type)
        .body(bytes.into())
        .send()
        .await?;
    let ready = files::mark_ready(&deps.table, owner, file.id).await?.ok_or_else(ApiError::not_found)?;
    delete_object(deps, upload_key).await?;
    Ok(view(ready, None))
}

/// The first bytes of an import checked for its type (the import reads all of it).
const IMPORT_CHECKED_BYTES: u64 = 64 * 1024;

fn content_refused(file: &FileItem) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("The file's content is not of the declared type {}.", file.media_type),
    )
}

/// Completes an import (up to 200 MB): only its start is read and checked, and S3
/// copies the object, so the function never holds the file. The import job reads and
/// checks the whole file before it creates anything.
async fn complete_import(deps: &Deps, file: FileItem, upload_key: String) -> ApiResult<File> {
    let bucket = &deps.config.files_bucket;
    let object = deps
        .s3
        .get_object()
        .bucket(bucket)
        .key(&upload_key)
        .range(format!("bytes=0-{}", IMPORT_CHECKED_BYTES - 1))
        .send()
        .await?;
    let start = object.body.collect().await.map_err(|err| ApiError::internal("reading an upload", &err))?.into_bytes();
    if !rules::content_matches(&file.media_type, &start) {
        let err = content_refused(&file);
        return reject(deps, &file, err).await;
    }
    deps.s3
        .copy_object()
        .bucket(bucket)
        .copy_source(format!("{bucket}/{upload_key}"))
        .key(file.object())
        .content_type(&file.media_type)
        .send()
        .await?;
    let ready = files::mark_ready(&deps.table, file.owner, file.id).await?.ok_or_else(ApiError::not_found)?;
    delete_object(deps, upload_key).await?;
    Ok(view(ready, None))
}

/// A short-lived download URL of a ready file, named by its (sanitised) filename.
pub async fn download_url(deps: &Deps, file: &FileItem) -> ApiResult<String> {
    let presigned = deps
        .s3
        .get_object()
        .bucket(&deps.config.files_bucket)
        .key(file.object())
        .response_content_type(&file.media_type)
        .response_content_disposition(rules::content_disposition(&file.filename))
        .presigned(presigning(deps, DOWNLOAD_URL_TTL)?)
        .await
        .map_err(|err| ApiError::internal("presigning a download", &err))?;
    Ok(presigned.uri().to_string())
}

/// A short-lived URL of the user's avatar image (shown inline).
pub async fn avatar_url(deps: &Deps, owner: Uuid, file_id: Uuid) -> ApiResult<String> {
    let presigned = deps
        .s3
        .get_object()
        .bucket(&deps.config.files_bucket)
        .key(keys::avatar_object(owner, file_id))
        .presigned(presigning(deps, DOWNLOAD_URL_TTL)?)
        .await
        .map_err(|err| ApiError::internal("presigning the avatar", &err))?;
    Ok(presigned.uri().to_string())
}

/// GET /files/{id}.
pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<File> {
    let file = require(deps, owner, id).await?;
    let url = match file.status {
        FileStatus::Ready => Some(download_url(deps, &file).await?),
        FileStatus::Pending => None,
    };
    Ok(view(file, url))
}

/// DELETE /files/{id}: the record and the bytes.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    let file = require(deps, owner, id).await?;
    if !files::delete(&deps.table, owner, file.id).await? {
        return Err(ApiError::not_found());
    }
    if file.purpose == Purpose::Avatar {
        crate::store::users::clear_avatar(&deps.table, owner, file.id).await?;
    }
    tokio::try_join!(delete_object(deps, keys::upload_object(owner, file.id)), delete_object(deps, file.object()))?;
    Ok(())
}

/// The bytes of a ready attachment (`None` if they are gone).
pub async fn read(deps: &Deps, owner: Uuid, file_id: Uuid) -> ApiResult<Option<Vec<u8>>> {
    read_object(deps, &keys::file_object(owner, file_id)).await
}

/// The files of a new chat message in `chat_id` (`None`: a new chat): the caller's,
/// ready, attachments not used in another chat, within the per-message limits.
/// Another user's or an unknown id is a 404.
pub async fn for_message(deps: &Deps, owner: Uuid, chat_id: Option<Uuid>, ids: &[Uuid]) -> ApiResult<Vec<FileItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(ApiError::invalid_field("file_ids", "A file is listed twice."));
    }
    if ids.len() > rules::MAX_IMAGES_PER_MESSAGE + rules::MAX_DOCUMENTS_PER_MESSAGE {
        return Err(ApiError::invalid_field("file_ids", "Too many files for one message."));
    }
    let found = files::get_many(&deps.table, owner, ids).await?;
    // In the order given.
    let mut ordered = Vec::with_capacity(ids.len());
    for id in ids {
        ordered.push(found.iter().find(|f| f.id == *id).cloned().ok_or_else(ApiError::not_found)?);
    }
    let problem = if ordered.iter().any(|f| f.status != FileStatus::Ready) {
        Some("A file is not uploaded yet: complete it first.".to_string())
    } else if ordered.iter().any(|f| f.purpose != Purpose::Attachment) {
        Some("Only attachments can be sent in a message.".to_string())
    } else if ordered.iter().any(|f| f.chat_id.is_some() && f.chat_id != chat_id) {
        Some("A file is attached in another chat; upload it again for this one.".to_string())
    } else {
        let images = ordered.iter().filter(|f| f.kind == api::Kind::Image).count();
        let documents = ordered.len() - images;
        if images > rules::MAX_IMAGES_PER_MESSAGE {
            Some(format!("At most {} images per message.", rules::MAX_IMAGES_PER_MESSAGE))
        } else if documents > rules::MAX_DOCUMENTS_PER_MESSAGE {
            Some(format!("At most {} documents per message.", rules::MAX_DOCUMENTS_PER_MESSAGE))
        } else if ordered.iter().map(|f| f.size).sum::<i64>() > rules::MAX_ATTACHMENT_BYTES_PER_REQUEST {
            Some(format!(
                "The files of one message may total at most {} bytes.",
                rules::MAX_ATTACHMENT_BYTES_PER_REQUEST
            ))
        } else {
            None
        }
    };
    match problem {
        Some(problem) => Err(ApiError::invalid_field("file_ids", problem)),
        None => Ok(ordered),
    }
}

/// A ready avatar image of the caller, for `PATCH /auth/me`.
pub async fn for_avatar(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<FileItem> {
    let file = files::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    if file.status != FileStatus::Ready || file.purpose != Purpose::Avatar {
        return Err(ApiError::invalid_field("avatar_file_id", "Must be a completed upload with purpose `avatar`."));
    }
    Ok(file)
}

/// Deletes every object under the user's prefixes in the bucket (account deletion):
/// listed by prefix, not from the file records, so nothing the records no longer name
/// (or never named) stays.
pub async fn delete_all_objects_of(deps: &Deps, owner: Uuid) -> ApiResult<()> {
    for prefix in keys::object_prefixes(owner) {
        delete_objects_under(deps, &prefix).await?;
    }
    Ok(())
}

/// Deletes every object whose key starts with `prefix`.
pub async fn delete_objects_under(deps: &Deps, prefix: &str) -> ApiResult<()> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let mut continuation = None;
    loop {
        let page = deps
            .s3
            .list_objects_v2()
            .bucket(&deps.config.files_bucket)
            .prefix(prefix)
            .set_continuation_token(continuation)
            .send()
            .await?;
        let objects: Vec<ObjectIdentifier> = page
            .contents()
            .iter()
            .filter_map(|object| object.key())
            .map(|key| ObjectIdentifier::builder().key(key).build().expect("key is set"))
            .collect();
        // A listing page holds at most 1,000 keys, as many as one DeleteObjects takes.
        if !objects.is_empty() {
            let delete = Delete::builder().set_objects(Some(objects)).quiet(true).build().expect("objects are set");
            let output = deps.s3.delete_objects().bucket(&deps.config.files_bucket).delete(delete).send().await?;
            if let Some(failed) = output.errors().first() {
                tracing::error!(key = failed.key(), code = failed.code(), "could not delete an object");
                return Err(ApiError::unavailable());
            }
        }
        continuation = page.next_continuation_token;
        if continuation.is_none() {
            return Ok(());
        }
    }
}

/// The bytes of the object at `key` (`None` if there is none).
pub async fn read_object(deps: &Deps, key: &str) -> ApiResult<Option<Vec<u8>>> {
    let result = deps.s3.get_object().bucket(&deps.config.files_bucket).key(key).send().await;
    match result {
        Ok(object) => {
            let bytes = object.body.collect().await.map_err(|err| ApiError::internal("reading an object", &err))?;
            Ok(Some(bytes.into_bytes().to_vec()))
        }
        Err(err) if missing(err.raw_response().map(|r| r.status().as_u16())) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The most files one cleanup run removes per kind.
pub const CLEANUP_BATCH: usize = 1_000;

/// What one cleanup run removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub stale_uploads: usize,
    pub deleted_chat_files: usize,
}

/// The scheduled cleanup: uploads never completed within 24 h, and files of deleted
/// chats. Idempotent: each removal is conditional, and S3 deletes of missing objects
/// succeed.
pub async fn cleanup(deps: &Deps) -> ApiResult<CleanupReport> {
    let mut report = CleanupReport::default();
    let cutoff = deps.clock.now() - STALE_UPLOAD;
    let cutoff_millis = crate::store::millis(cutoff);
    let stale_before = keys::file_cleanup_order(cutoff_millis, Uuid::nil(), Uuid::nil());
    // One pass per run (the next run takes what is left): GSI reads lag writes a little,
    // so re-reading until empty could see an item just deleted.
    for file in files::cleanup_candidates(&deps.table, keys::FILES_PENDING, &stale_before, CLEANUP_BATCH).await? {
        delete_object(deps, keys::upload_object(file.owner, file.id)).await?;
        if files::delete_if_pending(&deps.table, file.owner, file.id).await? {
            report.stale_uploads += 1;
        }
    }
    // Everything in the deleted-chat partition is due ('~' sorts after every key).
    for file in files::cleanup_candidates(&deps.table, keys::FILES_DELETED, "~", CLEANUP_BATCH).await? {
        tokio::try_join!(
            delete_object(deps, keys::upload_object(file.owner, file.id)),
            delete_object(deps, file.object())
        )?;
        if files::delete(&deps.table, file.owner, file.id).await? {
            report.deleted_chat_files += 1;
        }
    }
    Ok(report)
}
