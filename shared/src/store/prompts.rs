//! Saved system prompts, under their owner: `USER#<uid>` / `PROMPT#<id>`.

use super::{key, keys, s, Item};
use crate::error::ApiResult;
use crate::Deps;
use aws_sdk_dynamodb::types::ReturnValue;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
pub async fn update(
    deps: &Deps,
    owner: Uuid,
    id: Uuid,
    name: Option<String>,
    content: Option<String>,
    now: OffsetDateTime,
) -> ApiResult<Option<PromptItem>> {
    let mut sets = vec!["updated_at = :now"];
    let mut values = HashMap::from([(":now".to_string(), super::time_attr(now))]);
    let mut names = HashMap::new();
    if let Some(name) = name {
        // `name` is a DynamoDB reserved word.
        sets.push("#name = :name");
        names.insert("#name".to_string(), "name".to_string());
        values.insert(":name".into(), s(name));
    }
    if let Some(content) = content {
        sets.push("content = :content");
        values.insert(":content".into(), s(content));
    }
    let result = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(prompt_key(owner, id)))
        .update_expression(format!("SET {}", sets.join(", ")))
        .condition_expression("attribute_exists(PK)")
        .set_expression_attribute_names((!names.is_empty()).then_some(names))
        .set_expression_attribute_values(Some(values))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    super::updated(result)
}

/// Deletes the owner's prompt; `false` if it did not exist.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<bool> {
    super::delete_existing(deps, prompt_key(owner, id)).await
}
