//! Saved system prompts, under their owner: `USER#<uid>` / `PROMPT#<id>`.

use super::update::Changes;
use super::{key, keys, s, Item};
use crate::error::ApiResult;
use crate::Deps;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PromptItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub name: String,
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl PromptItem {
    pub fn new(owner: Uuid, name: String, content: String, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self { pk: keys::user(owner), sk: keys::prompt(id), id, name, content, created_at: now, updated_at: now }
    }
}

fn prompt_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::prompt(id))
}

pub async fn put(deps: &Deps, owner: Uuid, prompt: &PromptItem) -> ApiResult<()> {
    super::put_owned(deps, owner, serde_dynamo::to_item(prompt)?).await
}

pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Option<PromptItem>> {
    super::get(deps, prompt_key(owner, id)).await
}

/// Applies the given changes to the owner's prompt; `None` if it does not exist.
/// Nothing to change writes nothing.
pub async fn update(
    deps: &Deps,
    owner: Uuid,
    id: Uuid,
    name: Option<String>,
    content: Option<String>,
    now: OffsetDateTime,
) -> ApiResult<Option<PromptItem>> {
    let mut update = Changes::new();
    if let Some(name) = name {
        update = update.set("name", s(name));
    }
    if let Some(content) = content {
        update = update.set("content", s(content));
    }
    super::update_existing(deps, prompt_key(owner, id), update, now).await
}

/// Deletes the owner's prompt; `false` if it did not exist.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<bool> {
    super::delete_existing(deps, prompt_key(owner, id)).await
}
