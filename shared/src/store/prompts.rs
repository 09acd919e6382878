//! Saved system prompts, under their owner: `USER#<uid>` / `PROMPT#<id>`.

use super::update::Changes;
use super::{key, keys, s, Item};
use super::{StoreResult, Table};
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

pub async fn put(table: &Table, owner: Uuid, prompt: &PromptItem) -> StoreResult<()> {
    super::put_owned(table, owner, serde_dynamo::to_item(prompt)?).await
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<PromptItem>> {
    super::get(table, prompt_key(owner, id)).await
}

/// Applies the given changes to the owner's prompt; `None` if it does not exist.
/// Nothing to change writes nothing.
pub async fn update(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    name: Option<String>,
    content: Option<String>,
    now: OffsetDateTime,
) -> StoreResult<Option<PromptItem>> {
    let mut update = Changes::new();
    if let Some(name) = name {
        update = update.set("name", s(name));
    }
    if let Some(content) = content {
        update = update.set("content", s(content));
    }
    super::update_existing(table, prompt_key(owner, id), update, now).await
}

/// Deletes the owner's prompt; `false` if it did not exist.
pub async fn delete(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    super::delete_existing(table, prompt_key(owner, id)).await
}
