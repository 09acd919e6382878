//! Imports a file of conversations for one user, from local disk: the portability
//! worker calls this with the upload it copied there (the operator CLI, still to come,
//! will call it with a file named on its command line).
//!
//! Two passes over the file, each a stream (`formats::each_element`):
//! 1. **Check**: the file must be a JSON array, and, when it has elements, at least one
//!    must be a conversation of the declared format. Otherwise the import fails as a
//!    whole with the reason, and nothing is created.
//! 2. **Import**: each conversation goes in on its own. One that is not of the format
//!    is skipped and named in `errors`.
//!
//! A conversation's pairs (and its documents) are written first and its chat last,
//! only if it is not there yet: a chat that exists was imported before, so a second
//! import of the same file creates nothing, and an import cut short is finished by the
//! next one.

use super::formats::{self, Conversation, FileError, Project};
use super::ids;
use crate::error::{ApiError, ApiResult};
use crate::model::{Block, ImportFormat as Foreign, Imported, Kind, PairStatus, Purpose};
use crate::store::chats::{self, ChatItem};
use crate::store::files::FileItem;
use crate::store::keys;
use crate::store::pairs::PairItem;
use crate::store::projects::{self, KnowledgeItem, ProjectItem};
use crate::Deps;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;
use uuid::Uuid;

/// What an import did, and the conversations it skipped and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub imported: Imported,
    pub errors: Vec<String>,
}

/// Where an import job starts, and when it hands the rest over: an import too large
/// for one job goes on in the next, from where this one stopped.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// The elements of the file earlier jobs went through (the check, pass 1, was
    /// theirs too).
    pub from: usize,
    /// What they did.
    pub report: Report,
    /// When this job stops taking elements (`None`: never, as in the operator CLI).
    pub deadline: Option<std::time::Instant>,
}

impl Resume {
    fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|deadline| std::time::Instant::now() >= deadline)
    }
}

/// How an import job went.
#[derive(Debug)]
pub enum Ran {
    /// The whole file is in.
    Done(Report),
    /// The job's time is up: the next one goes on from element `next`.
    Paused { next: usize, report: Report },
}

/// At most this many per-conversation errors are kept (the rest are counted).
pub const MAX_ERRORS: usize = 100;

impl Report {
    pub(crate) fn error(&mut self, message: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(message);
        } else if self.errors.len() == MAX_ERRORS {
            self.errors.push("More conversations could not be imported; only the first 100 are listed.".into());
        }
    }
}

fn read(format: Foreign, raw: &str) -> Result<Conversation, String> {
    match format {
        Foreign::ClaudeAi => formats::claude_ai::conversation(raw),
        Foreign::Chatgpt => formats::chatgpt::conversation(raw),
        Foreign::Myclaude => Err("a myclaude archive holds no list of conversations".into()),
    }
}

/// Pass 1: whether the file can be imported as `format` at all (run off the async
/// runtime: it reads the whole file).
pub fn check(path: &Path, format: Foreign) -> Result<(), FileError> {
    let file = std::fs::File::open(path).map_err(|err| FileError(format!("The file could not be read: {err}.")))?;
    let mut readable = false;
    let mut first_error = None;
    // To the end, whatever is found: a file cut short is refused before anything is made.
    let elements = formats::each_element(file, |_, raw| {
        if !readable {
            match read(format, raw.get()) {
                Ok(_) => readable = true,
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        ControlFlow::Continue(())
    })?;
    if elements > 0 && !readable {
        let why = first_error.unwrap_or_default();
        return Err(FileError(format!("No conversation in the file is in the {} format ({why}).", format.name())));
    }
    Ok(())
}

/// Imports the conversations of the file at `path` for `owner` (both passes; a job
/// that resumes another skips the first).
pub async fn conversations(
    deps: &Deps,
    owner: Uuid,
    format: Foreign,
    path: &Path,
    resume: Resume,
) -> ApiResult<Result<Ran, FileError>> {
    if resume.from == 0 {
        if let Err(err) = check_off_runtime(path, format).await? {
            return Ok(Err(err));
        }
    }
    crate::tokens::ready().await;
    let (tx, mut rx) = mpsc::channel::<(usize, Result<Conversation, String>)>(4);
    let reader = read_in_background(path.to_path_buf(), format, resume.from, tx);
    let mut report = resume.report.clone();
    while let Some((index, read)) = rx.recv().await {
        match read {
            Ok(conversation) => store(deps, owner, format, &conversation, &mut report).await?,
            Err(why) => report.error(format!("Conversation {} was skipped: {why}.", index + 1)),
        }
        if resume.past_deadline() {
            drop(rx);
            let _ = reader.await;
            return Ok(Ok(Ran::Paused { next: index + 1, report }));
        }
    }
    match reader.await.map_err(|err| ApiError::internal("reading an import", &err))? {
        Ok(_) => Ok(Ok(Ran::Done(report))),
        // The file changed under the import (it was checked whole).
        Err(err) => Ok(Err(err)),
    }
}

async fn check_off_runtime(path: &Path, format: Foreign) -> ApiResult<Result<(), FileError>> {
    let checked = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || check(&path, format))
            .await
            .map_err(|err| ApiError::internal("checking an import", &err))?
    };
    Ok(checked)
}

/// Reads the file on a blocking thread, handing each element from `from` on over (at
/// most a few waiting: one conversation is held at a time).
fn read_in_background(
    path: PathBuf,
    format: Foreign,
    from: usize,
    tx: mpsc::Sender<(usize, Result<Conversation, String>)>,
) -> tokio::task::JoinHandle<Result<usize, FileError>> {
    tokio::task::spawn_blocking(move || {
        let file =
            std::fs::File::open(&path).map_err(|err| FileError(format!("The file could not be read: {err}.")))?;
        formats::each_element(file, |index, raw| {
            if index < from {
                return ControlFlow::Continue(());
            }
            match tx.blocking_send((index, read(format, raw.get()))) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        })
    })
}

/// Stores one conversation: its documents, its pairs, then its chat.
async fn store(
    deps: &Deps,
    owner: Uuid,
    format: Foreign,
    conversation: &Conversation,
    report: &mut Report,
) -> ApiResult<()> {
    let name = format.name();
    let chat_id = ids::derived(owner, name, "chat", &conversation.source_id, conversation.created_at);
    if chats::get(&deps.table, owner, chat_id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let pairs = formats::pairs(conversation);
    if pairs.is_empty() {
        report.imported.empty += 1;
        return Ok(());
    }
    let mut items = Vec::with_capacity(pairs.len());
    let mut documents = Vec::new();
    let (mut messages, mut total_tokens) = (0u64, 0i64);
    for pair in &pairs {
        let mut content = Vec::new();
        if !pair.user_text.trim().is_empty() {
            content.push(Block::Text { text: pair.user_text.clone() });
        }
        for (n, document) in pair.documents.iter().enumerate() {
            let source = format!("{}#{n}", pair.source_id);
            let file_id = ids::derived(owner, name, "document", &source, pair.created_at);
            let size = document.content.len() as i64;
            let mut file = FileItem::new(
                owner,
                document.name.clone(),
                "text/plain",
                size,
                Kind::Document,
                Purpose::Attachment,
                pair.created_at,
            );
            file.id = file_id;
            file.sk = keys::file(file_id);
            file.gsi1pk = None;
            file.gsi1sk = None;
            file.status = crate::files::api::FileStatus::Ready;
            file.chat_id = Some(chat_id);
            content.push(Block::Document {
                file_id,
                filename: document.name.clone(),
                media_type: "text/plain".into(),
                size,
            });
            documents.push((file, document.content.clone()));
        }
        let user_tokens = i64::from(crate::tokens::count(&pair.user_text));
        let answer_tokens = i64::from(crate::tokens::count(&pair.answer));
        let answer_source = pair.answer_source_id.clone().unwrap_or_else(|| format!("{}#answer", pair.source_id));
        let pair_id = ids::derived(owner, name, "pair", &pair.source_id, pair.created_at);
        let item = PairItem {
            pk: keys::chat_partition(owner, chat_id),
            sk: keys::pair(pair_id),
            id: pair_id,
            chat_id,
            hidden: false,
            status: if pair.answer.trim().is_empty() { PairStatus::Failed } else { PairStatus::Complete },
            created_at: pair.created_at,
            updated_at: pair.answered_at,
            user_message_id: ids::derived(owner, name, "message", &pair.source_id, pair.created_at),
            user_content: content,
            user_token_count: user_tokens,
            assistant_message_id: ids::derived(owner, name, "message", &answer_source, pair.answered_at),
            assistant_text: pair.answer.clone(),
            assistant_token_count: answer_tokens,
            assistant_created_at: pair.answered_at,
            model: None,
            stop_reason: None,
            input_tokens: 0,
            output_tokens: 0,
        };
        messages += 1 + u64::from(!pair.answer.trim().is_empty());
        total_tokens += user_tokens + answer_tokens;
        items.push(serde_dynamo::to_item(&item).map_err(crate::store::StoreError::from)?);
    }
    for (file, content) in &documents {
        deps.s3
            .put_object()
            .bucket(&deps.config.files_bucket)
            .key(file.object())
            .content_type("text/plain; charset=utf-8")
            .body(content.clone().into_bytes().into())
            .send()
            .await?;
        items.push(serde_dynamo::to_item(file).map_err(crate::store::StoreError::from)?);
    }
    crate::store::put_all_owned(&deps.table, owner, items).await?;
    let mut chat = ChatItem::new(owner, conversation.title.clone(), true, conversation.created_at);
    chat.id = chat_id;
    chat.sk = keys::chat(chat_id);
    chat.updated_at = conversation.updated_at.max(pairs.last().map_or(conversation.created_at, |p| p.answered_at));
    chat.message_count = messages as i64;
    chat.total_tokens = total_tokens;
    if chats::put_imported(&deps.table, owner, &chat).await? {
        report.imported.chats += 1;
        report.imported.messages += messages;
        report.imported.documents += documents.len() as u64;
    } else {
        report.imported.already_imported += 1;
    }
    Ok(())
}

/// An element of `projects.json` by its place: a project, or why it is not one.
type ReadProject = (usize, Result<Project, String>);

/// Imports the projects of a Claude.ai `projects.json` at `path` for `owner`, adding to
/// `report`. The file is read whole before anything is made, so one that is not a list
/// of projects is refused as a whole (its reason is returned).
pub async fn projects(deps: &Deps, owner: Uuid, path: &Path, report: &mut Report) -> ApiResult<Result<(), FileError>> {
    let read_all = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || -> Result<Vec<ReadProject>, FileError> {
            let file =
                std::fs::File::open(&path).map_err(|err| FileError(format!("The file could not be read: {err}.")))?;
            let mut found = Vec::new();
            formats::each_element(file, |index, raw| {
                found.push((index, formats::claude_ai::project(raw.get())));
                ControlFlow::Continue(())
            })?;
            Ok(found)
        })
        .await
        .map_err(|err| ApiError::internal("reading projects", &err))?
    };
    // projects.json holds a user's projects and their documents: small beside the
    // conversations (each document at most what a knowledge item holds), so it is read whole.
    let found = match read_all {
        Ok(found) => found,
        Err(err) => return Ok(Err(FileError(format!("projects.json: {err}")))),
    };
    if !found.is_empty() && found.iter().all(|(_, p)| p.is_err()) {
        let why = found.into_iter().find_map(|(_, p)| p.err()).unwrap_or_default();
        return Ok(Err(FileError(format!("projects.json is not a list of Claude.ai projects ({why})."))));
    }
    crate::tokens::ready().await;
    for (index, project) in found {
        match project {
            Ok(project) => store_project(deps, owner, &project, report).await?,
            Err(why) => report.error(format!("Project {} was skipped: {why}.", index + 1)),
        }
    }
    Ok(Ok(()))
}

/// At most `max` characters of `text`.
fn clipped(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Stores one project: its knowledge, then the project itself.
async fn store_project(deps: &Deps, owner: Uuid, project: &Project, report: &mut Report) -> ApiResult<()> {
    let name = Foreign::ClaudeAi.name();
    let project_id = ids::derived(owner, name, "project", &project.source_id, project.created_at);
    if projects::get(&deps.table, owner, project_id).await?.is_some() {
        report.imported.already_imported += 1;
        return Ok(());
    }
    let mut item = ProjectItem::new(
        owner,
        clipped(&project.name, crate::projects::MAX_NAME_CHARS),
        clipped(&project.description, crate::projects::MAX_DESCRIPTION_CHARS),
        clipped(&project.instructions, crate::projects::MAX_INSTRUCTIONS_CHARS),
        project.created_at,
    );
    item.id = project_id;
    item.sk = keys::project(project_id);
    item.updated_at = project.updated_at;
    let limit = deps.config.knowledge_token_limit;
    let mut knowledge = Vec::new();
    for doc in &project.docs {
        if doc.content.len() > crate::projects::MAX_CONTENT_BYTES {
            report.error(format!(
                "Project {:?}: its document {:?} is larger than {} bytes and was skipped.",
                project.name,
                doc.filename,
                crate::projects::MAX_CONTENT_BYTES
            ));
            continue;
        }
        let tokens = i64::from(crate::tokens::count(&doc.content));
        // Included in chat while the project's limit allows, as the knowledge routes do.
        let include = item.included_tokens + tokens <= limit;
        let at = doc.created_at.unwrap_or(project.created_at);
        let title = doc.filename.trim();
        let title = if title.is_empty() { "Imported document" } else { title };
        let mut entry = KnowledgeItem::new(
            owner,
            project_id,
            clipped(title, crate::projects::MAX_TITLE_CHARS),
            doc.content.clone(),
            include,
            tokens,
            at,
        );
        let id = ids::derived(owner, name, "knowledge", &doc.source_id, at);
        entry.id = id;
        entry.sk = keys::knowledge(id);
        item.knowledge_count += 1;
        item.total_knowledge_tokens += tokens;
        if include {
            item.included_tokens += tokens;
        }
        knowledge.push(serde_dynamo::to_item(&entry).map_err(crate::store::StoreError::from)?);
    }
    let count = knowledge.len() as u64;
    crate::store::put_all_owned(&deps.table, owner, knowledge).await?;
    if projects::put_imported(&deps.table, owner, &item).await? {
        report.imported.projects += 1;
        report.imported.knowledge += count;
    } else {
        report.imported.already_imported += 1;
    }
    Ok(())
}
