//! Projects: chats grouped with instructions and knowledge the model sees in them.

use crate::chat::api::ChatList;
use crate::domain::{required_text, PageQuery, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::page::{self, ListSpec};
use crate::store::projects::{self as store, KnowledgeItem, KnowledgeRefused, ProjectChanges, ProjectItem};
use crate::store::{chats, keys};
use crate::Deps;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_INSTRUCTIONS_CHARS: usize = 50_000;
pub const MAX_TITLE_CHARS: usize = 255;
/// One knowledge item's text, in bytes (the item stays far below DynamoDB's 400 KB).
pub const MAX_CONTENT_BYTES: usize = 200_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub instructions: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub chat_count: i64,
    pub knowledge_count: i64,
    /// Tokens of all its knowledge.
    pub total_knowledge_tokens: i64,
    /// Tokens of the knowledge included in chat (at most the limit).
    pub included_knowledge_tokens: i64,
}

impl From<ProjectItem> for Project {
    fn from(item: ProjectItem) -> Self {
        Self {
            id: item.id,
            name: item.name,
            description: item.description,
            instructions: item.instructions,
            created_at: item.created_at,
            updated_at: item.updated_at,
            chat_count: item.chat_count,
            knowledge_count: item.knowledge_count,
            total_knowledge_tokens: item.total_knowledge_tokens,
            included_knowledge_tokens: item.included_tokens,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<Project>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub instructions: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub instructions: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Knowledge {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub content: String,
    pub include_in_chat: bool,
    pub token_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<KnowledgeItem> for Knowledge {
    fn from(item: KnowledgeItem) -> Self {
        Self {
            id: item.id,
            project_id: item.project_id,
            title: item.title,
            content: item.content,
            include_in_chat: item.include_in_chat,
            token_count: item.token_count,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KnowledgeList {
    /// Oldest first: the order the model sees them in.
    pub items: Vec<Knowledge>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKnowledgeRequest {
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: String,
    #[schema(
        min_length = 1,
        max_length = 200000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub content: String,
    #[serde(default)]
    pub include_in_chat: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKnowledgeRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub content: Option<String>,
    #[serde(default)]
    pub include_in_chat: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    /// Chats of the project.
    pub chats: i64,
}

fn optional_text(v: &mut Validator, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    let raw = raw?;
    if raw.chars().count() > max {
        v.add(field, format!("Ensure this field has no more than {max} characters."));
        return None;
    }
    Some(raw.to_string())
}

fn content(v: &mut Validator, raw: &str) -> Option<String> {
    if raw.len() > MAX_CONTENT_BYTES {
        v.add("content", format!("Ensure this field has no more than {MAX_CONTENT_BYTES} bytes."));
        return None;
    }
    v.check("content", required_text(raw, MAX_CONTENT_BYTES, false))
}

async fn require(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<ProjectItem> {
    store::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)
}

pub async fn list(deps: &Deps, owner: Uuid, page: PageQuery) -> ApiResult<ProjectList> {
    let pk = keys::user(owner);
    let spec = ListSpec::table(&pk, keys::PROJECT_PREFIX);
    let request = crate::domain::page_request(page.limit, page.cursor.as_deref(), &spec)?;
    let (items, next_cursor) = page::query::<ProjectItem>(&deps.table, &spec, true, &request, None).await?;
    Ok(ProjectList { items: items.into_iter().map(Project::from).collect(), next_cursor })
}

pub async fn create(deps: &Deps, owner: Uuid, req: CreateProjectRequest) -> ApiResult<Project> {
    let mut v = Validator::default();
    let name = v.check("name", required_text(&req.name, MAX_NAME_CHARS, true));
    let description = optional_text(&mut v, "description", req.description.as_deref(), MAX_DESCRIPTION_CHARS);
    let instructions = optional_text(&mut v, "instructions", req.instructions.as_deref(), MAX_INSTRUCTIONS_CHARS);
    v.finish()?;
    let project = ProjectItem::new(
        owner,
        name.unwrap_or_default(),
        description.unwrap_or_default(),
        instructions.unwrap_or_default(),
        deps.clock.now(),
    );
    store::put(&deps.table, owner, &project).await?;
    Ok(project.into())
}

pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Project> {
    Ok(require(deps, owner, id).await?.into())
}

pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdateProjectRequest) -> ApiResult<Project> {
    let mut v = Validator::default();
    let name = req.name.as_deref().and_then(|n| v.check("name", required_text(n, MAX_NAME_CHARS, true)));
    let description = optional_text(&mut v, "description", req.description.as_deref(), MAX_DESCRIPTION_CHARS);
    let instructions = optional_text(&mut v, "instructions", req.instructions.as_deref(), MAX_INSTRUCTIONS_CHARS);
    v.finish()?;
    let changes = ProjectChanges { name, description, instructions };
    Ok(store::update(&deps.table, owner, id, changes, deps.clock.now()).await?.ok_or_else(ApiError::not_found)?.into())
}

/// DELETE /projects/{id}: its knowledge goes; its chats stay, detached.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    let project = require(deps, owner, id).await?;
    // The project goes first, so no chat can join it while its chats are detached.
    if !store::delete(&deps.table, owner, project.id).await? {
        return Err(ApiError::not_found());
    }
    Ok(chats::detach_all(&deps.table, owner, project.id).await?)
}

/// GET /projects/{id}/chats: the project's chats, as `GET /chats?project_id=` lists them.
pub async fn chats(deps: &Deps, owner: Uuid, id: Uuid, query: ProjectChatsQuery) -> ApiResult<ChatList> {
    let project = require(deps, owner, id).await?;
    let ProjectChatsQuery { archived, q, limit, cursor } = query;
    let filter = crate::chat::ChatListQuery { archived, project_id: Some(project.id), q, limit, cursor };
    crate::chat::list(deps, owner, filter).await
}

/// The query of `GET /projects/{id}/chats`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectChatsQuery {
    /// Archived chats instead of live ones (default false)
    #[serde(default)]
    pub archived: bool,
    /// Title contains (case-insensitive)
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// GET /projects/{id}/usage: what the models reported for the project's chats.
pub async fn usage(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<ProjectUsage> {
    let project_id = id;
    let (project, chats) = tokio::try_join!(
        store::get(&deps.table, owner, project_id),
        chats::of_project(&deps.table, owner, project_id)
    )?;
    project.ok_or_else(ApiError::not_found)?;
    let input_tokens = chats.iter().map(|c| c.input_tokens).sum::<i64>();
    let output_tokens = chats.iter().map(|c| c.output_tokens).sum::<i64>();
    Ok(ProjectUsage {
        input_tokens,
        output_tokens,
        total_tokens: input_tokens + output_tokens,
        chats: chats.len() as i64,
    })
}

fn limit(deps: &Deps) -> i64 {
    deps.config.knowledge_token_limit
}

fn over_limit(deps: &Deps, project: &ProjectItem, adding: i64) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "knowledge_token_limit",
        format!(
            "The knowledge included in chat may total at most {} tokens; this project has {} and this change adds {adding}.",
            limit(deps),
            project.included_tokens
        ),
    )
}

/// Maps a refused knowledge write; the project is read again to tell why.
async fn refused(deps: &Deps, owner: Uuid, project_id: Uuid, why: KnowledgeRefused, adding: i64) -> ApiError {
    match (why, store::get(&deps.table, owner, project_id).await) {
        (KnowledgeRefused::OverLimit, Ok(Some(project))) => over_limit(deps, &project, adding),
        (KnowledgeRefused::Changed, Ok(Some(_))) => {
            ApiError::conflict("conflict", "The knowledge item changed meanwhile; try again.")
        }
        (_, Err(err)) => err.into(),
        _ => ApiError::not_found(),
    }
}

pub async fn knowledge_list(deps: &Deps, owner: Uuid, id: Uuid, page: PageQuery) -> ApiResult<KnowledgeList> {
    let project_id = id;
    let partition = keys::project_partition(owner, project_id);
    let spec = ListSpec::table(&partition, keys::KNOWLEDGE_PREFIX);
    let request = crate::domain::page_request(page.limit, page.cursor.as_deref(), &spec)?;
    let (project, (items, next_cursor)) = tokio::try_join!(
        store::get(&deps.table, owner, project_id),
        page::query::<KnowledgeItem>(&deps.table, &spec, false, &request, None)
    )?;
    project.ok_or_else(ApiError::not_found)?;
    Ok(KnowledgeList { items: items.into_iter().map(Knowledge::from).collect(), next_cursor })
}

pub async fn knowledge_create(deps: &Deps, owner: Uuid, id: Uuid, req: CreateKnowledgeRequest) -> ApiResult<Knowledge> {
    crate::tokens::warm_up();
    let project = require(deps, owner, id).await?;
    let mut v = Validator::default();
    let title = v.check("title", required_text(&req.title, MAX_TITLE_CHARS, true));
    let content = content(&mut v, &req.content);
    v.finish()?;
    let (title, content) = (title.unwrap_or_default(), content.unwrap_or_default());
    crate::tokens::ready().await;
    let tokens = crate::tokens::count(&content) as i64;
    let include = req.include_in_chat.unwrap_or(true);
    let item = KnowledgeItem::new(owner, project.id, title, content, include, tokens, deps.clock.now());
    if include && tokens > limit(deps) {
        return Err(over_limit(deps, &project, tokens));
    }
    match store::add_knowledge(&deps.table, owner, &project, &item, limit(deps)).await? {
        Ok(()) => Ok(item.into()),
        Err(why) => Err(refused(deps, owner, project.id, why, if include { tokens } else { 0 }).await),
    }
}

async fn require_knowledge(deps: &Deps, owner: Uuid, id: Uuid, kid: Uuid) -> ApiResult<(ProjectItem, KnowledgeItem)> {
    let (project_id, kid) = (id, kid);
    let (project, item) = tokio::try_join!(
        store::get(&deps.table, owner, project_id),
        store::get_knowledge(&deps.table, owner, project_id, kid)
    )?;
    match (project, item) {
        (Some(project), Some(item)) => Ok((project, item)),
        _ => Err(ApiError::not_found()),
    }
}

pub async fn knowledge_get(deps: &Deps, owner: Uuid, id: Uuid, kid: Uuid) -> ApiResult<Knowledge> {
    Ok(require_knowledge(deps, owner, id, kid).await?.1.into())
}

/// Writes `new` over `old`, keeping the project's counters and limit.
async fn replace(
    deps: &Deps,
    owner: Uuid,
    project: &ProjectItem,
    old: &KnowledgeItem,
    new: KnowledgeItem,
) -> ApiResult<Knowledge> {
    let included = |k: &KnowledgeItem| if k.include_in_chat { k.token_count } else { 0 };
    let adding = included(&new) - included(old);
    if adding > 0 && included(&new) > limit(deps) {
        return Err(over_limit(deps, project, adding));
    }
    match store::replace_knowledge(&deps.table, owner, project, old, &new, limit(deps)).await? {
        Ok(()) => Ok(new.into()),
        Err(why) => Err(refused(deps, owner, project.id, why, adding).await),
    }
}

pub async fn knowledge_update(
    deps: &Deps,
    owner: Uuid,
    id: Uuid,
    kid: Uuid,
    req: UpdateKnowledgeRequest,
) -> ApiResult<Knowledge> {
    let mut v = Validator::default();
    let title = req.title.as_deref().and_then(|t| v.check("title", required_text(t, MAX_TITLE_CHARS, true)));
    let content = req.content.as_deref().and_then(|c| content(&mut v, c));
    v.finish()?;
    if content.is_some() {
        crate::tokens::warm_up();
    }
    let (project, old) = require_knowledge(deps, owner, id, kid).await?;
    if title.is_none() && content.is_none() && req.include_in_chat.is_none() {
        // Nothing to change: nothing is written.
        return Ok(old.into());
    }
    let mut new = old.clone();
    if let Some(title) = title {
        new.title = title;
    }
    if let Some(content) = content {
        crate::tokens::ready().await;
        new.token_count = crate::tokens::count(&content) as i64;
        new.content = content;
    }
    if let Some(include) = req.include_in_chat {
        new.include_in_chat = include;
    }
    new.updated_at = deps.clock.now().max(old.updated_at + time::Duration::milliseconds(1));
    replace(deps, owner, &project, &old, new).await
}

/// POST …/toggle: flips `include_in_chat` (turning it on counts against the limit).
pub async fn knowledge_toggle(deps: &Deps, owner: Uuid, id: Uuid, kid: Uuid) -> ApiResult<Knowledge> {
    let (project, old) = require_knowledge(deps, owner, id, kid).await?;
    let mut new = old.clone();
    new.include_in_chat = !old.include_in_chat;
    new.updated_at = deps.clock.now().max(old.updated_at + time::Duration::milliseconds(1));
    replace(deps, owner, &project, &old, new).await
}

pub async fn knowledge_delete(deps: &Deps, owner: Uuid, id: Uuid, kid: Uuid) -> ApiResult<()> {
    let (project, old) = require_knowledge(deps, owner, id, kid).await?;
    match store::delete_knowledge(&deps.table, owner, &project, &old, deps.clock.now()).await? {
        Ok(()) => Ok(()),
        Err(why) => Err(refused(deps, owner, project.id, why, 0).await),
    }
}
