//! Chats, under their owner (`USER#<uid>` / `CHAT#<cid>`), indexed in GSI1 by last
//! update, in separate partitions for live and archived chats.

use super::page::{GSI1PK, GSI1SK};
use super::{key, keys, s, Item};
use crate::error::ApiResult;
use crate::Deps;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChatItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub id: Uuid,
    pub owner: Uuid,
    pub title: String,
    /// Lower-cased title, for case-insensitive search.
    pub title_search: String,
    /// Set once the user (not the titling worker) chose the title.
    #[serde(default)]
    pub title_set_by_user: bool,
    pub project_id: Option<Uuid>,
    pub system_prompt: Option<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub message_count: i64,
    #[serde(default)]
    pub total_tokens: i64,
    /// Input plus output tokens of the latest answer.
    #[serde(default)]
    pub context_tokens: i64,
}

pub(crate) fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

impl ChatItem {
    pub fn new(owner: Uuid, title: String, title_set_by_user: bool, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::chat(id),
            gsi1pk: keys::chats_by_update(owner, false),
            gsi1sk: keys::chat_update_order(millis(now), id),
            id,
            owner,
            title_search: title.to_lowercase(),
            title,
            title_set_by_user,
            project_id: None,
            system_prompt: None,
            archived: false,
            created_at: now,
            updated_at: now,
            message_count: 0,
            total_tokens: 0,
            context_tokens: 0,
        }
    }
}

pub fn chat_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::chat(id))
}

pub async fn put(deps: &Deps, chat: &ChatItem) -> ApiResult<()> {
    super::put_new(deps, chat).await
}

pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Option<ChatItem>> {
    super::get(deps, chat_key(owner, id)).await
}

/// Changes to a chat. `Some(None)` clears an optional field.
#[derive(Debug, Default)]
pub struct ChatChanges {
    pub title: Option<String>,
    pub system_prompt: Option<Option<String>>,
    pub project_id: Option<Option<Uuid>>,
    pub archived: Option<bool>,
}

/// Applies `changes` and bumps `updated_at` (and the chat's place in the lists).
/// `None` if the owner has no such chat.
pub async fn update(
    deps: &Deps,
    owner: Uuid,
    id: Uuid,
    changes: ChatChanges,
    now: OffsetDateTime,
) -> ApiResult<Option<ChatItem>> {
    let rfc3339 = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut sets = vec!["updated_at = :now".to_string(), format!("{GSI1SK} = :order")];
    let mut removes: Vec<&str> = Vec::new();
    let mut values: HashMap<String, AttributeValue> = HashMap::from([
        (":now".to_string(), s(rfc3339)),
        (":order".to_string(), s(keys::chat_update_order(millis(now), id))),
    ]);
    if let Some(title) = changes.title {
        sets.push("title = :title, title_search = :search, title_set_by_user = :true".into());
        values.insert(":search".into(), s(title.to_lowercase()));
        values.insert(":title".into(), s(title));
        values.insert(":true".into(), AttributeValue::Bool(true));
    }
    match changes.system_prompt {
        Some(Some(prompt)) => {
            sets.push("system_prompt = :prompt".into());
            values.insert(":prompt".into(), s(prompt));
        }
        Some(None) => removes.push("system_prompt"),
        None => {}
    }
    match changes.project_id {
        Some(Some(project)) => {
            sets.push("project_id = :project".into());
            values.insert(":project".into(), s(project.to_string()));
        }
        Some(None) => removes.push("project_id"),
        None => {}
    }
    if let Some(archived) = changes.archived {
        sets.push(format!("archived = :archived, {GSI1PK} = :list"));
        values.insert(":archived".into(), AttributeValue::Bool(archived));
        values.insert(":list".into(), s(keys::chats_by_update(owner, archived)));
    }
    let mut expression = format!("SET {}", sets.join(", "));
    if !removes.is_empty() {
        expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    let result = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(chat_key(owner, id)))
        .update_expression(expression)
        .condition_expression("attribute_exists(PK)")
        .set_expression_attribute_values(Some(values))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    super::updated(result)
}

/// Deletes the chat and every item of its own partition (pairs and what belongs to
/// them). `false` if the owner has no such chat.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<bool> {
    if !super::delete_existing(deps, chat_key(owner, id)).await? {
        return Ok(false);
    }
    let partition = keys::chat_partition(owner, id);
    let contents = super::query_prefix(deps, partition.clone(), "", false).await?;
    // The files attached in the chat go to the cleanup job (it deletes their bytes).
    let mut files: Vec<Uuid> = contents
        .iter()
        .filter(|item| {
            item.get(keys::SK).and_then(|sk| sk.as_s().ok()).is_some_and(|sk| sk.starts_with(keys::PAIR_PREFIX))
        })
        .filter_map(|item| serde_dynamo::from_item::<_, super::pairs::PairItem>(item.clone()).ok())
        .flat_map(|pair| pair.file_ids())
        .collect();
    files.sort();
    files.dedup();
    super::files::mark_chat_deleted(deps, owner, id, &files, deps.clock.now()).await?;
    let keys: Vec<Item> = contents
        .into_iter()
        .filter_map(|item| item.get(keys::SK)?.as_s().ok().cloned())
        .map(|sk| key(partition.clone(), sk))
        .collect();
    super::batch_delete(deps, keys).await?;
    Ok(true)
}

/// Sets a generated title unless the user has chosen one (or the chat is gone).
/// `true` if the title was set.
pub async fn set_generated_title(deps: &Deps, owner: Uuid, id: Uuid, title: &str) -> ApiResult<bool> {
    let result = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(chat_key(owner, id)))
        .update_expression("SET title = :title, title_search = :search")
        .condition_expression("attribute_exists(PK) AND title_set_by_user = :false")
        .expression_attribute_values(":title", s(title))
        .expression_attribute_values(":search", s(title.to_lowercase()))
        .expression_attribute_values(":false", AttributeValue::Bool(false))
        .send()
        .await;
    super::applied(result)
}
