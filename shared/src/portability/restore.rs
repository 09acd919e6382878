//! Imports this product's own archive (format `myclaude`, written by `export`) for one
//! user: the prompts, memory tags and memories, projects with their knowledge, design
//! projects with every prototype version's page, and chats with their pairs. The
//! archive's profile is not imported: the importing account keeps its own.
//!
//! As with the other formats, two passes over a stream (`formats::myclaude`): the first
//! reads the whole file, so one that is not an archive (or is cut short) creates
//! nothing; the second stores each entry on its own. An entry that does not read is
//! skipped and named in `errors`.
//!
//! Every id is derived from the archive's id (`ids::derived`, keeping its time), so
//! references inside the archive (a chat's project, a memory's chat, an attachment's
//! file) map without a lookup, and a second import finds everything there. An entry's
//! parts are written first and its head item last, only if absent: the head marks it
//! imported.

use super::archive::{self, Chat, DesignProject, Memory, Project, Prompt};
use super::formats::myclaude::{self, BadEntry, Entry};
use super::formats::FileError;
use super::ids;
use super::import::{Ran, Report, Resume};
use crate::error::{ApiError, ApiResult};
use crate::model::{Block, PairStatus};
use crate::store::chats::{self, ChatItem};
use crate::store::memories::{self, MemoryItem};
use crate::store::pairs::PairItem;
use crate::store::projects::{self, KnowledgeItem, ProjectItem};
use crate::store::prompts::PromptItem;
use crate::store::prototypes::{self as design, DesignProjectItem, GroupItem, PrototypeItem, VariantItem, VersionItem};
use crate::store::{self, keys, StoreError};
use crate::Deps;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

const FORMAT: &str = archive::FORMAT;

/// The id in the importing account of the archive's `kind` with id `source`: the
/// source's first 12 bytes (its time, and for a v7 id the counter that orders ids made
/// in the same millisecond), so lists keep their order, then 4 bytes of a hash of the
/// owner, the kind and the source id.
fn mapped(owner: Uuid, kind: &str, source: Uuid) -> Uuid {
    let hashed = ids::derived(owner, FORMAT, kind, &source.to_string(), OffsetDateTime::UNIX_EPOCH);
    let mut bytes = [0u8; 16];
    bytes[..12].copy_from_slice(&source.as_bytes()[..12]);
    bytes[12..].copy_from_slice(&hashed.as_bytes()[12..]);
    uuid::Builder::from_bytes(bytes).with_variant(uuid::Variant::RFC4122).into_uuid()
}

/// Pass 1: whether the file is an archive at all (run off the async runtime).
pub fn check(path: &Path) -> Result<(), FileError> {
    let file = std::fs::File::open(path).map_err(|err| FileError(format!("The file could not be read: {err}.")))?;
    myclaude::each_entry(file, |_| ControlFlow::Continue(()))
}

/// Imports the archive at `path` for `owner` (both passes; a job that resumes another
/// skips the first, and the entries it went through).
pub async fn archive(deps: &Deps, owner: Uuid, path: &Path, resume: Resume) -> ApiResult<Result<Ran, FileError>> {
    let checked = if resume.from > 0 {
        Ok(())
    } else {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || check(&path))
            .await
            .map_err(|err| ApiError::internal("checking an import", &err))?
    };
    if let Err(err) = checked {
        return Ok(Err(err));
    }
    crate::tokens::ready().await;
    let (tx, mut rx) = mpsc::channel::<(usize, Result<Entry, BadEntry>)>(2);
    let reader = read_in_background(path.to_path_buf(), tx);
    let mut report = resume.report.clone();
    // The archive's projects: a chat keeps its project only if the archive has it.
    let mut projects_seen = HashSet::new();
    while let Some((index, entry)) = rx.recv().await {
        // Earlier jobs stored these; their projects still name the chats' projects.
        if index < resume.from {
            if let Ok(Entry::Project(project)) = &entry {
                projects_seen.insert(project.id);
            }
            continue;
        }
        match entry {
            Ok(Entry::Profile(_)) => {}
            Ok(Entry::Prompt(prompt)) => prompt_in(deps, owner, prompt, &mut report).await?,
            Ok(Entry::MemoryTag(tag)) => {
                match memories::create_tag(&deps.table, owner, &tag.name, tag.created_at).await? {
                    true => report.imported.memory_tags += 1,
                    false => report.imported.already_imported += 1,
                }
            }
            Ok(Entry::Memory(memory)) => memory_in(deps, owner, *memory, &mut report).await?,
            Ok(Entry::Project(project)) => {
                projects_seen.insert(project.id);
                project_in(deps, owner, *project, &mut report).await?
            }
            Ok(Entry::DesignProject(design)) => design_in(deps, owner, *design, &mut report).await?,
            Ok(Entry::Chat(chat)) => chat_in(deps, owner, *chat, &projects_seen, &mut report).await?,
            Err(bad) => report.error(format!("Entry {} of {} was skipped: {}.", bad.index + 1, bad.section, bad.why)),
        }
        if resume.deadline.is_some_and(|deadline| std::time::Instant::now() >= deadline) {
            drop(rx);
            let _ = reader.await;
            return Ok(Ok(Ran::Paused { next: index + 1, report }));
        }
    }
    match reader.await.map_err(|err| ApiError::internal("reading an import", &err))? {
        Ok(()) => Ok(Ok(Ran::Done(report))),
        Err(err) => Ok(Err(err)),
    }
}

/// Reads the archive on a blocking thread, handing each entry over with its place in
/// the file (a few at most waiting).
fn read_in_background(
    path: PathBuf,
    tx: mpsc::Sender<(usize, Result<Entry, BadEntry>)>,
) -> tokio::task::JoinHandle<Result<(), FileError>> {
    tokio::task::spawn_blocking(move || {
        let file =
            std::fs::File::open(&path).map_err(|err| FileError(format!("The file could not be read: {err}.")))?;
        let mut index = 0;
        myclaude::each_entry(file, |entry| {
            index += 1;
            match tx.blocking_send((index - 1, entry)) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        })
    })
}

fn item(value: &impl serde::Serialize) -> ApiResult<store::Item> {
    Ok(serde_dynamo::to_item(value).map_err(StoreError::from)?)
}

async fn prompt_in(deps: &Deps, owner: Uuid, prompt: Prompt, report: &mut Report) -> ApiResult<()> {
    let id = mapped(owner, "prompt", prompt.id);
    let mut stored = PromptItem::new(owner, prompt.name, prompt.content, prompt.created_at);
    stored.id = id;
    stored.sk = keys::prompt(id);
    stored.updated_at = prompt.updated_at;
    match store::put_owned_if_absent(&deps.table, owner, item(&stored)?).await? {
        true => report.imported.prompts += 1,
        false => report.imported.already_imported += 1,
    }
    Ok(())
}

async fn memory_in(deps: &Deps, owner: Uuid, memory: Memory, report: &mut Report) -> ApiResult<()> {
    let id = mapped(owner, "memory", memory.id);
    if memories::get(&deps.table, owner, id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let written_by_user = memory.source_chat_id.is_none();
    let mut stored =
        MemoryItem::new(owner, memory.summary, memory.category, memory.confidence, written_by_user, memory.created_at);
    stored.id = id;
    stored.sk = keys::memory(id);
    stored.raw_content = memory.raw_content;
    stored.confidence = memory.confidence;
    stored.tags = memory.tags.iter().filter_map(|t| crate::memory::tag_name(t).ok()).collect();
    stored.tags.dedup();
    stored.is_verified = memory.is_verified;
    stored.is_active = memory.is_active;
    stored.source_chat_id = memory.source_chat_id.map(|chat| mapped(owner, "chat", chat));
    stored.source_pair_ids = memory.source_pair_ids.iter().map(|pair| mapped(owner, "pair", *pair)).collect();
    stored.also_learned_in = memory.also_learned_in.iter().map(|chat| mapped(owner, "chat", *chat)).collect();
    stored.reference_count = memory.reference_count;
    stored.last_referenced_at = memory.last_referenced_at;
    stored.updated_at = memory.updated_at;
    stored.token_count = crate::memory::count_line(&stored).await;
    memories::create(&deps.table, &stored).await?;
    report.imported.memories += 1;
    Ok(())
}

async fn project_in(deps: &Deps, owner: Uuid, project: Project, report: &mut Report) -> ApiResult<()> {
    let id = mapped(owner, "project", project.id);
    if projects::get(&deps.table, owner, id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let mut stored =
        ProjectItem::new(owner, project.name, project.description, project.instructions, project.created_at);
    stored.id = id;
    stored.sk = keys::project(id);
    stored.updated_at = project.updated_at;
    let limit = deps.config.knowledge_token_limit;
    let mut knowledge = Vec::with_capacity(project.knowledge.len());
    for entry in project.knowledge {
        let tokens = i64::from(crate::tokens::count(&entry.content));
        // Included as it was, while this account's limit allows.
        let include = entry.include_in_chat && stored.included_tokens + tokens <= limit;
        let mut k = KnowledgeItem::new(owner, id, entry.title, entry.content, include, tokens, entry.created_at);
        let kid = mapped(owner, "knowledge", entry.id);
        k.id = kid;
        k.sk = keys::knowledge(kid);
        k.updated_at = entry.updated_at;
        stored.knowledge_count += 1;
        stored.total_knowledge_tokens += tokens;
        if include {
            stored.included_tokens += tokens;
        }
        knowledge.push(item(&k)?);
    }
    let count = knowledge.len() as u64;
    store::put_all_owned(&deps.table, owner, knowledge).await?;
    match projects::put_imported(&deps.table, owner, &stored).await? {
        true => {
            report.imported.projects += 1;
            report.imported.knowledge += count;
        }
        false => report.imported.already_imported += 1,
    }
    Ok(())
}

async fn design_in(deps: &Deps, owner: Uuid, project: DesignProject, report: &mut Report) -> ApiResult<()> {
    let design_id = mapped(owner, "design_project", project.id);
    if design::get_design(&deps.table, owner, design_id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let groups_seen: HashSet<Uuid> = project.groups.iter().map(|g| g.id).collect();
    let mut items = Vec::new();
    let (mut prototypes, mut versions) = (0u64, 0u64);
    for prototype in &project.prototypes {
        let prototype_id = mapped(owner, "prototype", prototype.id);
        let mut latest: Option<VersionItem> = None;
        let mut variants = 0;
        for variant in &prototype.variants {
            let variant_id = mapped(owner, "variant", variant.id);
            let mut newest: Option<VersionItem> = None;
            for version in &variant.versions {
                let version_id = mapped(owner, "version", version.id);
                let object_key = keys::version_object(owner, prototype_id, variant_id, version_id);
                let stored = VersionItem {
                    pk: keys::prototype_partition(owner, prototype_id),
                    sk: keys::version(variant_id, version.version_number),
                    id: version_id,
                    prototype_id,
                    variant_id,
                    version_number: version.version_number,
                    edit_prompt: version.edit_prompt.clone(),
                    file_name: version.file_name.clone(),
                    size: version.html.len() as i64,
                    object_key: object_key.clone(),
                    model: version.model.clone(),
                    created_at: version.created_at,
                };
                crate::prototypes::pages::put_page(deps, &object_key, version.html.clone()).await?;
                items.push(item(&stored)?);
                versions += 1;
                if newest.as_ref().is_none_or(|n| n.version_number < stored.version_number) {
                    newest = Some(stored.clone());
                }
                if latest.as_ref().is_none_or(|l| l.created_at <= stored.created_at) {
                    latest = Some(stored);
                }
            }
            let Some(newest) = newest else { continue };
            let stored = VariantItem {
                pk: keys::prototype_partition(owner, prototype_id),
                sk: keys::variant(variant_id),
                id: variant_id,
                prototype_id,
                name: variant.name.clone(),
                description: variant.description.clone(),
                is_original: variant.is_original,
                created_at: variant.created_at,
                versions_count: variant.versions.len() as i64,
                latest_version_number: newest.version_number,
                latest_version: Some(newest.summary()),
            };
            items.push(item(&stored)?);
            variants += 1;
        }
        let Some(latest) = latest else { continue };
        let stored = PrototypeItem {
            pk: keys::user(owner),
            sk: keys::prototype(prototype_id),
            gsi1pk: String::new(),
            gsi1sk: String::new(),
            gsi2pk: None,
            gsi2sk: None,
            id: prototype_id,
            owner,
            design_project_id: design_id,
            group_id: prototype.group_id.filter(|g| groups_seen.contains(g)).map(|g| mapped(owner, "group", g)),
            name: prototype.name.clone(),
            prompt: prototype.prompt.clone(),
            created_at: prototype.created_at,
            updated_at: prototype.updated_at,
            variants_count: variants,
            latest_version: Some(latest.summary()),
            revision: 0,
        };
        items.push(stored.to_item()?);
        prototypes += 1;
    }
    for group in &project.groups {
        let id = mapped(owner, "group", group.id);
        let mut stored = GroupItem::new(
            owner,
            design_id,
            group.name.clone(),
            group.description.clone(),
            group.position,
            group.created_at,
        );
        stored.id = id;
        stored.sk = keys::group(id);
        stored.updated_at = group.updated_at;
        stored.prototype_count = project.prototypes.iter().filter(|p| p.group_id == Some(group.id)).count() as i64;
        items.push(item(&stored)?);
    }
    store::put_all_owned(&deps.table, owner, items).await?;
    let mut stored = DesignProjectItem::new(owner, project.name, project.description, project.created_at);
    stored.id = design_id;
    stored.sk = keys::design_project(design_id);
    stored.updated_at = project.updated_at;
    stored.prototype_count = prototypes as i64;
    stored.group_count = project.groups.len() as i64;
    match store::put_owned_if_absent(&deps.table, owner, item(&stored)?).await? {
        true => {
            report.imported.design_projects += 1;
            report.imported.prototypes += prototypes;
            report.imported.versions += versions;
        }
        false => report.imported.already_imported += 1,
    }
    Ok(())
}

async fn chat_in(
    deps: &Deps,
    owner: Uuid,
    chat: Chat,
    projects_seen: &HashSet<Uuid>,
    report: &mut Report,
) -> ApiResult<()> {
    let chat_id = mapped(owner, "chat", chat.id);
    if chats::get(&deps.table, owner, chat_id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let messages = chat.messages();
    let mut stored = ChatItem::new(owner, chat.title.clone(), chat.title_set_by_user, chat.created_at);
    stored.id = chat_id;
    stored.sk = keys::chat(chat_id);
    stored.project_id = chat.project_id.filter(|p| projects_seen.contains(p)).map(|p| mapped(owner, "project", p));
    stored.system_prompt = chat.system_prompt.clone();
    stored.archived = chat.archived;
    stored.updated_at = chat.updated_at;
    stored.message_count = messages as i64;
    let mut items = Vec::with_capacity(chat.pairs.len());
    for pair in chat.pairs {
        let user_content: Vec<Block> = pair
            .user_content
            .into_iter()
            .map(|block| match block {
                Block::Text { text } => Block::Text { text },
                // The bytes stay in the exporting account: the block names the file, as a
                // file this account does not have (the model is told it is not included).
                Block::Image { file_id, filename, media_type, size } => {
                    Block::Image { file_id: mapped(owner, "file", file_id), filename, media_type, size }
                }
                Block::Document { file_id, filename, media_type, size } => {
                    Block::Document { file_id: mapped(owner, "file", file_id), filename, media_type, size }
                }
            })
            .collect();
        let id = mapped(owner, "pair", pair.id);
        let mut stored_pair = PairItem {
            pk: keys::chat_partition(owner, chat_id),
            sk: keys::pair(id),
            id,
            chat_id,
            hidden: pair.hidden,
            // An answer being written when the archive was made ends there.
            status: match pair.status {
                PairStatus::Generating => PairStatus::Failed,
                status => status,
            },
            created_at: pair.created_at,
            updated_at: pair.updated_at,
            user_message_id: mapped(owner, "message", pair.user_message_id),
            user_content,
            user_token_count: 0,
            assistant_message_id: mapped(owner, "message", pair.assistant_message_id),
            assistant_text: pair.assistant_text,
            assistant_token_count: 0,
            assistant_created_at: pair.assistant_created_at,
            model: pair.model,
            stop_reason: pair.stop_reason,
            input_tokens: pair.input_tokens,
            output_tokens: pair.output_tokens,
        };
        // The counts as the account kept them; counted again for an archive without them.
        stored_pair.user_token_count =
            pair.user_token_count.unwrap_or_else(|| i64::from(crate::tokens::count(&stored_pair.user_text())));
        stored_pair.assistant_token_count =
            pair.assistant_token_count.unwrap_or_else(|| i64::from(crate::tokens::count(&stored_pair.assistant_text)));
        stored.total_tokens += stored_pair.user_token_count + stored_pair.assistant_token_count;
        stored.input_tokens += pair.input_tokens;
        stored.output_tokens += pair.output_tokens;
        stored.context_tokens = pair.input_tokens + pair.output_tokens;
        items.push(item(&stored_pair)?);
    }
    stored.total_tokens = chat.total_tokens.unwrap_or(stored.total_tokens);
    stored.context_tokens = chat.context_tokens.unwrap_or(stored.context_tokens);
    store::put_all_owned(&deps.table, owner, items).await?;
    match chats::put_imported(&deps.table, owner, &stored).await? {
        true => {
            report.imported.chats += 1;
            report.imported.messages += messages;
        }
        false => report.imported.already_imported += 1,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ids_keep_the_order_of_their_sources_and_differ_per_owner_and_kind() {
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let sources: Vec<Uuid> = (0..200).map(|_| Uuid::now_v7()).collect();
        let mapped_all: Vec<Uuid> = sources.iter().map(|s| mapped(bob, "pair", *s)).collect();
        let mut sorted = mapped_all.clone();
        sorted.sort();
        assert_eq!(sorted, mapped_all, "ids made in one millisecond keep their order too");
        let one = sources[0];
        assert_eq!(mapped(bob, "pair", one), mapped(bob, "pair", one));
        assert_eq!(mapped(bob, "pair", one).get_version_num(), 7);
        assert_ne!(mapped(bob, "pair", one), one);
        assert_ne!(mapped(bob, "pair", one), mapped(ada, "pair", one));
        assert_ne!(mapped(bob, "pair", one), mapped(bob, "chat", one));
    }
}
