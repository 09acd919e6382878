//! Saved system prompts: a user's reusable system prompts (`/prompts`).

use crate::domain::{required_text, PageQuery, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::keys;
use crate::store::page::{self, ListSpec};
use crate::store::prompts::{self as store, PromptItem};
use crate::Deps;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

pub const MAX_NAME_CHARS: usize = 200;
/// Far more than any sensible system prompt; keeps items small.
pub const MAX_CONTENT_CHARS: usize = 50_000;

#[derive(Debug, Serialize, ToSchema)]
pub struct SavedPrompt {
    pub id: Uuid,
    pub name: String,
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<PromptItem> for SavedPrompt {
    fn from(item: PromptItem) -> Self {
        Self {
            id: item.id,
            name: item.name,
            content: item.content,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PromptList {
    pub items: Vec<SavedPrompt>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePromptRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePromptRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub content: Option<String>,
}

fn name(v: &mut Validator, raw: &str) -> Option<String> {
    v.check("name", required_text(raw, MAX_NAME_CHARS, true))
}

fn content(v: &mut Validator, raw: &str) -> Option<String> {
    v.check("content", required_text(raw, MAX_CONTENT_CHARS, false))
}

pub async fn list(deps: &Deps, owner: Uuid, page: PageQuery) -> ApiResult<PromptList> {
    let pk = keys::user(owner);
    let spec = ListSpec::table(&pk, keys::PROMPT_PREFIX);
    let request = crate::domain::page_request(page.limit, page.cursor.as_deref(), &spec)?;
    let (items, next_cursor) = page::query::<PromptItem>(&deps.table, &spec, true, &request, None).await?;
    Ok(PromptList { items: items.into_iter().map(SavedPrompt::from).collect(), next_cursor })
}

pub async fn create(deps: &Deps, owner: Uuid, req: CreatePromptRequest) -> ApiResult<SavedPrompt> {
    let mut v = Validator::default();
    let (name, content) = (name(&mut v, &req.name), content(&mut v, &req.content));
    v.finish()?;
    let item = PromptItem::new(owner, name.expect("validated"), content.expect("validated"), deps.clock.now());
    store::put(&deps.table, owner, &item).await?;
    Ok(item.into())
}

pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<SavedPrompt> {
    let item = store::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    Ok(item.into())
}

pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdatePromptRequest) -> ApiResult<SavedPrompt> {
    let mut v = Validator::default();
    let new_name = req.name.as_deref().and_then(|n| name(&mut v, n));
    let new_content = req.content.as_deref().and_then(|c| content(&mut v, c));
    v.finish()?;
    let item = store::update(&deps.table, owner, id, new_name, new_content, deps.clock.now())
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(item.into())
}

pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    if store::delete(&deps.table, owner, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}
