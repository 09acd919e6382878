//! The chat domain: chats and their settings, and how the model's prompt is
//! assembled from a chat.

pub mod api;
pub mod attachments;
pub mod messages;
pub mod prepare;
pub mod preview;
pub mod prompt;
pub mod stream;
pub mod titles;

use crate::domain::{required_text, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::chats::{self, ChatChanges, ChatItem};
use crate::store::page::{self, ListSpec};
use crate::store::{keys, s, Item};
use crate::Deps;
use api::{Chat, ChatList, CreateChatRequest, UpdateChatRequest};
use uuid::Uuid;

pub const DEFAULT_TITLE: &str = "New chat";
pub const MAX_TITLE_CHARS: usize = 255;
pub const MAX_SYSTEM_PROMPT_CHARS: usize = 50_000;
pub const MAX_QUERY_CHARS: usize = 200;

fn title(v: &mut Validator, raw: &str) -> Option<String> {
    v.check("title", required_text(raw, MAX_TITLE_CHARS, true))
}

/// A system prompt; blank means none.
fn system_prompt(v: &mut Validator, raw: &str) -> Option<Option<String>> {
    if raw.chars().count() > MAX_SYSTEM_PROMPT_CHARS {
        v.add("system_prompt", format!("Ensure this field has no more than {MAX_SYSTEM_PROMPT_CHARS} characters."));
        return None;
    }
    Some((!raw.trim().is_empty()).then(|| raw.to_string()))
}

fn project_not_found() -> ApiError {
    ApiError::invalid_field("project_id", "Project not found.")
}

/// The project must be the caller's (another user's is as unknown as a missing one).
async fn check_project(deps: &Deps, owner: Uuid, project_id: Uuid) -> ApiResult<crate::store::projects::ProjectItem> {
    crate::store::projects::get(&deps.table, owner, project_id).await?.ok_or_else(project_not_found)
}

/// The query of `GET /chats`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChatListQuery {
    /// Archived chats instead of live ones (default false)
    #[serde(default)]
    pub archived: bool,
    /// Only chats of this project
    pub project_id: Option<Uuid>,
    /// Title contains (case-insensitive)
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// GET /chats: most recently updated first.
pub async fn list(deps: &Deps, owner: Uuid, filter: ChatListQuery) -> ApiResult<ChatList> {
    let mut v = Validator::default();
    let (archived, project) = (filter.archived, filter.project_id);
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
        v.add("q", format!("Ensure this field has no more than {MAX_QUERY_CHARS} characters."));
    }
    v.finish()?;
    let owner_pk = keys::user(owner);
    // A project's chats have a list of their own (GSI2), so only `q` is a filter: it is
    // read on under the page's filter budget (see `page::query`).
    let list_pk = match project {
        Some(project) => keys::project_chats_by_update(owner, project, archived),
        None => keys::chats_by_update(owner, archived),
    };
    let spec =
        if project.is_some() { ListSpec::gsi2(&list_pk, &owner_pk) } else { ListSpec::gsi1(&list_pk, &owner_pk) };
    let request = crate::domain::page_request(filter.limit, filter.cursor.as_deref(), &spec)?;
    let filter =
        q.map(|q| ("contains(title_search, :q)".to_string(), Item::from([(":q".into(), s(q.to_lowercase()))])));
    let (items, next_cursor) = page::query::<ChatItem>(&deps.table, &spec, true, &request, filter).await?;
    Ok(ChatList { items: items.into_iter().map(Chat::from).collect(), next_cursor })
}

/// POST /chats.
pub async fn create(deps: &Deps, owner: Uuid, req: CreateChatRequest) -> ApiResult<Chat> {
    let mut v = Validator::default();
    let chosen_title = req.title.as_deref().and_then(|t| title(&mut v, t));
    let prompt = req.system_prompt.as_deref().and_then(|p| system_prompt(&mut v, p)).flatten();
    v.finish()?;
    if let Some(project) = req.project_id {
        check_project(deps, owner, project).await?;
    }
    let by_user = chosen_title.is_some();
    let mut chat =
        ChatItem::new(owner, chosen_title.unwrap_or_else(|| DEFAULT_TITLE.into()), by_user, deps.clock.now());
    chat.project_id = req.project_id;
    chat.system_prompt = prompt;
    if !chats::put(&deps.table, &chat).await? {
        return Err(project_not_found());
    }
    Ok(chat.into())
}

/// GET /chats/{id}.
pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Chat> {
    Ok(chats::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?.into())
}

/// PATCH /chats/{id} (and the archive, unarchive and system-prompt routes).
pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdateChatRequest) -> ApiResult<Chat> {
    let mut v = Validator::default();
    let new_title = req.title.as_deref().and_then(|t| title(&mut v, t));
    let new_prompt = match req.system_prompt {
        Some(Some(raw)) => system_prompt(&mut v, &raw),
        Some(None) => Some(None),
        None => None,
    };
    v.finish()?;
    if let Some(Some(project)) = req.project_id {
        check_project(deps, owner, project).await?;
    }
    let changes =
        ChatChanges { title: new_title, system_prompt: new_prompt, project_id: req.project_id, archived: req.archived };
    match chats::update(&deps.table, owner, id, changes, deps.clock.now()).await? {
        chats::Updated::Chat(chat) => Ok((*chat).into()),
        chats::Updated::NotFound => Err(ApiError::not_found()),
        chats::Updated::ProjectGone => Err(project_not_found()),
    }
}

/// DELETE /chats/{id}: the chat and everything in it.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    if crate::store::deletion::chat(&deps.table, owner, id, deps.clock.now()).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}
