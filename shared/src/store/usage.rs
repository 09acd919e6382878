//! Token usage counters: per model and chat (in the chat's partition, gone with the
//! chat) and per model and day (under the user, kept). Both are `ADD`ed in the same
//! transaction as the answer they count.

use super::update::Changes;
use super::{key, keys, n, s, Item};
use super::{StoreResult, Table};
use crate::model::Usage;
use aws_sdk_dynamodb::types::Update;
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

#[derive(Clone, Debug, Deserialize)]
pub struct UsageItem {
    pub model: String,
    /// Set on daily items.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub requests: i64,
}

fn add(table: &Table, key: Item, model: &str, date: Option<Date>, usage: Usage) -> Update {
    let mut update = Changes::new()
        .add("input_tokens", n(usage.input_tokens))
        .add("output_tokens", n(usage.output_tokens))
        .add("requests", n(1))
        .set("model", s(model));
    if let Some(date) = date {
        update = update.set("date", s(date.to_string()));
    }
    update.build(Update::builder().table_name(table.name()).set_key(Some(key))).expect("usage is added")
}

/// Adds one answer's usage to the chat's figures for `model`.
pub fn add_to_chat(table: &Table, owner: Uuid, chat_id: Uuid, model: &str, usage: Usage) -> Update {
    add(table, key(keys::chat_partition(owner, chat_id), keys::chat_usage(model)), model, None, usage)
}

/// Adds one answer's usage to the user's figures for `date` and `model`.
pub fn add_to_day(table: &Table, owner: Uuid, date: Date, model: &str, usage: Usage) -> Update {
    add(table, key(keys::user(owner), keys::daily_usage(date, model)), model, Some(date), usage)
}

/// Counts one model request outside an answer's own transaction (e.g. a chat's
/// title): for the user's `date`, and for the chat while it exists. Only while the
/// account is live: usage written after its deletion walked the user's partitions
/// would outlive it. A chat that is gone meanwhile leaves the day's figures only.
pub async fn record(
    table: &Table,
    owner: Uuid,
    chat_id: Option<Uuid>,
    model: &str,
    usage: Usage,
    date: Date,
) -> StoreResult<()> {
    let day = || super::update_item(add_to_day(table, owner, date, model, usage));
    if let Some(chat_id) = chat_id {
        let items = vec![
            super::owner_live(table, owner),
            super::chats::exists(table, owner, chat_id),
            super::update_item(add_to_chat(table, owner, chat_id, model, usage)),
            day(),
        ];
        match super::transact(table, items).await {
            Ok(_) => return Ok(()),
            Err(err) if super::condition_failed_at(&err, 0) => return Ok(()),
            Err(err) if super::condition_failed_at(&err, 1) => {}
            Err(err) => return Err(err.into()),
        }
    }
    match super::transact(table, vec![super::owner_live(table, owner), day()]).await {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed_at(&err, 0) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// The chat's usage, one item per model.
pub async fn of_chat(table: &Table, owner: Uuid, chat_id: Uuid) -> StoreResult<Vec<UsageItem>> {
    super::query_prefix(table, keys::chat_partition(owner, chat_id), keys::USAGE_PREFIX, false)
        .await?
        .into_iter()
        .map(|item| Ok(serde_dynamo::from_item(item)?))
        .collect()
}

/// The user's usage from `from` to `to` (inclusive), one item per day and model.
pub async fn of_days(table: &Table, owner: Uuid, from: Date, to: Date) -> StoreResult<Vec<UsageItem>> {
    let (low, high) = keys::daily_usage_range(from, to);
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
        .expression_attribute_values(":pk", s(keys::user(owner)))
        .expression_attribute_values(":low", s(low))
        .expression_attribute_values(":high", s(high));
    super::query_all(query, usize::MAX).await
}
