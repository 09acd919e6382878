//! Everything `POST /chat/stream` decides before it calls the model, as one function
//! (`prepare`) that `POST /chat/preview` calls too: so the preview is the request the
//! stream would send, built by the same code.
//!
//! The reads, concurrently and in one round: the session, the profile (whether memory
//! is on), the chat, its history, the pair to regenerate and the new message's files.
//! In a second round, still before the model call: the chat's project, known only
//! then, and the user's active memories as of the profile (the container's copy while
//! they have not changed). Nothing is written.

use super::api::{Block, PairStatus, StreamRequest};
use super::prompt::{self, Assembled, Knowledge, PastPair, ProjectContext, PromptInput};
use super::{attachments, project_not_found};
use crate::auth::TokenCaller;
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::files;
use crate::memory::context::{self, MemoryContext};
use crate::store::chats::{self, ChatItem};
use crate::store::files::FileItem;
use crate::store::memories::MemoryItem;
use crate::store::pairs::{self, PairItem};
use crate::store::projects::{self, KnowledgeItem, ProjectItem};
use crate::store::users::UserItem;
use crate::Deps;
use uuid::Uuid;

use crate::domain::MAX_MESSAGE_CHARS;

/// What the request asks for, checked.
struct Checked {
    text: Option<String>,
    models: Vec<String>,
}

fn check(deps: &Deps, req: &StreamRequest) -> ApiResult<Checked> {
    let mut v = Validator::default();
    let text = match (&req.regenerate_pair_id, &req.text) {
        (Some(_), _) => None,
        (None, None) => {
            v.add("text", "This field is required.");
            None
        }
        (None, Some(text)) if text.trim().is_empty() => {
            v.add("text", "This field may not be blank.");
            None
        }
        (None, Some(text)) if text.chars().count() > MAX_MESSAGE_CHARS => {
            v.add("text", format!("Ensure this field has no more than {MAX_MESSAGE_CHARS} characters."));
            None
        }
        (None, Some(text)) => Some(text.clone()),
    };
    if req.regenerate_pair_id.is_some() && req.chat_id.is_none() {
        v.add("chat_id", "Required to regenerate an answer.");
    }
    if req.chat_id.is_some() && req.project_id.is_some() {
        v.add(
            "project_id",
            "Only for a new chat: an existing chat keeps its project (change it with PATCH /chats/{id}).",
        );
    }
    let config = &deps.config.models;
    let mut models = config.chain();
    if let Some(model) = &req.model {
        if config.knows(model) {
            models.retain(|m| m != model);
            models.insert(0, model.clone());
        } else {
            v.add("model", "Unknown model.");
        }
    }
    v.finish()?;
    Ok(Checked { text, models })
}

/// What the reads found.
pub struct Loaded {
    pub chat: Option<ChatItem>,
    pub history: Vec<PairItem>,
    pub regenerate: Option<PairItem>,
    /// The new message's files (none when regenerating: the pair keeps its own).
    pub files: Vec<FileItem>,
    /// The chat's project and the knowledge it includes in chat.
    pub project: Option<(ProjectItem, Vec<KnowledgeItem>)>,
    pub user: UserItem,
    /// The user's active memories (none when memory is off).
    memories: std::sync::Arc<[MemoryItem]>,
}

/// The caller's project and its knowledge (included in chat, in their stable order);
/// `None` when the caller has no such project.
async fn load_project(
    deps: &Deps,
    owner: Uuid,
    project_id: Uuid,
) -> ApiResult<Option<(ProjectItem, Vec<KnowledgeItem>)>> {
    let (project, knowledge) = tokio::try_join!(
        projects::get(&deps.table, owner, project_id),
        projects::all_knowledge(&deps.table, owner, project_id)
    )?;
    Ok(project.map(|project| (project, knowledge.into_iter().filter(|k| k.include_in_chat).collect())))
}

/// Every read the message needs, concurrently; the session is checked alongside.
async fn load(deps: &Deps, caller: &TokenCaller, req: &StreamRequest) -> ApiResult<Loaded> {
    let owner = caller.user_id;
    let files = async {
        match req.regenerate_pair_id {
            Some(_) => Ok(Vec::new()),
            None => files::for_message(deps, owner, req.chat_id, &req.file_ids).await,
        }
    };
    // The chat's reads first: its project is read in a second round once the chat is in,
    // while the memories wait for the profile.
    let (chat, (user, memories), files) =
        tokio::try_join!(load_chat(deps, owner, req), context::caller_memories(deps, caller), files)?;
    let (chat, history, regenerate, project) = chat;
    Ok(Loaded { chat, history, regenerate, files, project, user, memories })
}

type ChatReads = (Option<ChatItem>, Vec<PairItem>, Option<PairItem>, Option<(ProjectItem, Vec<KnowledgeItem>)>);

async fn load_chat(deps: &Deps, owner: Uuid, req: &StreamRequest) -> ApiResult<ChatReads> {
    let Some(chat_id) = req.chat_id else {
        let project = match req.project_id {
            Some(project) => Some(load_project(deps, owner, project).await?.ok_or_else(project_not_found)?),
            None => None,
        };
        return Ok((None, Vec::new(), None, project));
    };
    let regenerate = async {
        match req.regenerate_pair_id {
            Some(pair_id) => pairs::get(&deps.table, owner, chat_id, pair_id).await,
            None => Ok(None),
        }
    };
    let (chat, history, regenerate) = tokio::try_join!(
        chats::get(&deps.table, owner, chat_id),
        pairs::history(&deps.table, owner, chat_id, req.regenerate_pair_id),
        regenerate
    )?;
    let chat = chat.ok_or_else(ApiError::not_found)?;
    if req.regenerate_pair_id.is_some() {
        match &regenerate {
            None => return Err(ApiError::not_found()),
            Some(pair)
                if pair.status == PairStatus::Generating
                    && !pair.is_abandoned(deps.clock.now(), deps.config.stream_max_duration) =>
            {
                return Err(ApiError::conflict(
                    "answer_in_progress",
                    "An answer to this message is being written; wait for it to finish.",
                ))
            }
            Some(_) => {}
        }
    }
    // The chat's project is known only now: a second round, still before the model call.
    let project = match chat.project_id {
        // None: a project deleted meanwhile (the chat is being detached from it).
        Some(project_id) => load_project(deps, owner, project_id).await?,
        None => None,
    };
    Ok((Some(chat), history, regenerate, project))
}

fn past_pair(pair: &PairItem) -> PastPair {
    let attachments = pair.user_content.iter().filter(|b| !matches!(b, Block::Text { .. })).count();
    let text_tokens = (pair.user_token_count + pair.assistant_token_count).max(0) as usize;
    PastPair {
        user: pair.user_content.clone(),
        assistant: pair.assistant_text.clone(),
        hidden: pair.hidden,
        tokens: Some(text_tokens + attachments * prompt::ATTACHMENT_TOKENS),
    }
}

/// The texts of the latest visible turns of a history (oldest first), which count as
/// recent when memories are chosen.
fn recent_turns(history: &[PairItem]) -> Vec<String> {
    let turns: Vec<&PairItem> = history.iter().filter(|p| p.is_visible()).rev().take(context::RECENT_TURNS).collect();
    turns.iter().rev().flat_map(|p| [p.user_text(), p.assistant_text.clone()]).collect()
}

/// Everything the stream needs before the model call.
pub struct Prepared {
    /// The models to try, in order.
    pub models: Vec<String>,
    pub loaded: Loaded,
    /// The message's text (a regenerated pair's own).
    pub text: String,
    /// The message's blocks as stored with its pair.
    pub content: Vec<Block>,
    pub memories: MemoryContext,
    pub assembled: Assembled,
}

/// Checks the request, reads what it needs and assembles the prompt.
pub async fn prepare(deps: &Deps, caller: &TokenCaller, req: &StreamRequest) -> ApiResult<Prepared> {
    let checked = check(deps, req)?;
    let loaded = load(deps, caller, req).await?;
    let (text, content) = match &loaded.regenerate {
        Some(pair) => (pair.user_text(), pair.user_content.clone()),
        None => {
            let text = checked.text.unwrap_or_default();
            let content = attachments::blocks(&loaded.files, &text);
            (text, content)
        }
    };
    let recent = recent_turns(&loaded.history);
    let recent: Vec<&str> = recent.iter().map(String::as_str).collect();
    let memories = context::for_message(deps, &loaded.user, &loaded.memories, &text, &recent);
    let project = loaded.project.as_ref().map(|(project, knowledge)| ProjectContext {
        instructions: project.instructions.clone(),
        knowledge: knowledge.iter().map(|k| Knowledge { title: k.title.clone(), content: k.content.clone() }).collect(),
    });
    let past: Vec<PastPair> = loaded.history.iter().map(past_pair).collect();
    let assembled = prompt::assemble(
        &PromptInput {
            chat_system_prompt: loaded.chat.as_ref().and_then(|c| c.system_prompt.as_deref()),
            project: project.as_ref(),
            memories: Some(memories.text.as_str()),
            history: &past,
            new_message: &content,
            context_window: deps.config.models.context_window,
            max_output_tokens: deps.config.models.max_output_tokens.max(1) as usize,
        },
        &|text| crate::tokens::count(text) as usize,
    );
    if assembled.dropped_pairs > 0 {
        tracing::info!(
            dropped_pairs = assembled.dropped_pairs,
            estimated_tokens = assembled.estimated_tokens,
            "history trimmed to fit the context window"
        );
    }
    Ok(Prepared { models: checked.models, loaded, text, content, memories, assembled })
}
