//! Uploaded files' records, under their owner (`USER#<uid>` / `FILE#<fid>`). A pending
//! upload, and a file whose chat was deleted, also sit in a GSI1 partition the
//! cleanup job reads (`FILES#PENDING`, `FILES#DELETED`).

use super::page::{GSI1, GSI1PK, GSI1SK};
use super::{key, keys, s, Item};
use super::{StoreError, StoreResult, Table};
use crate::model::{FileStatus, Kind, Purpose};
use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnValue};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub id: Uuid,
    pub owner: Uuid,
    /// As the user named it: display only, never part of a storage key.
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub kind: Kind,
    pub purpose: Purpose,
    pub status: FileStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The chat whose message it is attached to (set on first use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<Uuid>,
}

impl FileItem {
    pub fn new(
        owner: Uuid,
        filename: String,
        media_type: &str,
        size: i64,
        kind: Kind,
        purpose: Purpose,
        now: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::file(id),
            gsi1pk: Some(keys::FILES_PENDING.to_string()),
            gsi1sk: Some(keys::file_cleanup_order(super::millis(now), owner, id)),
            id,
            owner,
            filename,
            media_type: media_type.to_string(),
            size,
            kind,
            purpose,
            status: FileStatus::Pending,
            created_at: now,
            chat_id: None,
        }
    }

    /// The key of the checked bytes: avatars apart from attachments and imports.
    pub fn object(&self) -> String {
        match self.purpose {
            Purpose::Avatar => keys::avatar_object(self.owner, self.id),
            Purpose::Attachment | Purpose::Import => keys::file_object(self.owner, self.id),
        }
    }
}

pub fn file_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::file(id))
}

pub async fn put(table: &Table, file: &FileItem) -> StoreResult<()> {
    super::put_owned(table, file.owner, serde_dynamo::to_item(file)?).await
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<FileItem>> {
    super::get(table, file_key(owner, id)).await
}

/// The caller's files among `ids` (missing ones left out), in one `BatchGetItem`.
pub async fn get_many(table: &Table, owner: Uuid, ids: &[Uuid]) -> StoreResult<Vec<FileItem>> {
    let mut found = Vec::new();
    // BatchGetItem takes 100 keys; a message has at most 25 files.
    for chunk in ids.chunks(100) {
        let mut request = KeysAndAttributes::builder().consistent_read(true);
        for id in chunk {
            request = request.keys(file_key(owner, *id));
        }
        let mut pending = Some(request.build().expect("keys are set"));
        for _ in 0..5 {
            let Some(keys) = pending.take() else { break };
            let output = table.client().batch_get_item().request_items(table.name(), keys).send().await?;
            for item in output.responses.and_then(|mut r| r.remove(table.name())).unwrap_or_default() {
                found.push(serde_dynamo::from_item(item)?);
            }
            pending = output.unprocessed_keys.and_then(|mut u| u.remove(table.name()));
        }
        if pending.is_some() {
            return Err(StoreError::Unprocessed);
        }
    }
    Ok(found)
}

/// Marks a checked upload ready (and out of the cleanup's view). `None` when it is gone
/// or no longer pending.
pub async fn mark_ready(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<FileItem>> {
    let result = table
        .update_item()
        .set_key(Some(file_key(owner, id)))
        .update_expression(format!("SET #status = :ready REMOVE {GSI1PK}, {GSI1SK}"))
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":ready", s("ready"))
        .expression_attribute_values(":pending", s("pending"))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    super::updated(result)
}

/// Deletes the record; `false` if there was none.
pub async fn delete(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    super::delete_existing(table, file_key(owner, id)).await
}

/// Deletes the record if it still is pending (the cleanup of a stale upload).
pub async fn delete_if_pending(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    super::applied(
        table
            .delete_item()
            .set_key(Some(file_key(owner, id)))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await,
    )
}

/// Hands the files of a deleted chat to the cleanup job.
pub async fn mark_chat_deleted(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    ids: &[Uuid],
    now: OffsetDateTime,
) -> StoreResult<()> {
    let updates = ids.iter().map(|id| {
        table
            .update_item()
            .set_key(Some(file_key(owner, *id)))
            .update_expression(format!("SET {GSI1PK} = :deleted, {GSI1SK} = :order"))
            .condition_expression("attribute_exists(PK) AND chat_id = :chat")
            .expression_attribute_values(":deleted", s(keys::FILES_DELETED))
            .expression_attribute_values(":order", s(keys::file_cleanup_order(super::millis(now), owner, *id)))
            .expression_attribute_values(":chat", s(chat_id.to_string()))
            .send()
    });
    for result in futures::future::join_all(updates).await {
        super::applied(result)?;
    }
    Ok(())
}

/// Files in a cleanup partition (`FILES#PENDING` / `FILES#DELETED`) with sort keys
/// before `before`, oldest first, at most `limit` (one pass, following pages).
pub async fn cleanup_candidates(
    table: &Table,
    partition: &str,
    before: &str,
    limit: usize,
) -> StoreResult<Vec<FileItem>> {
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression(format!("{GSI1PK} = :partition AND {GSI1SK} < :before"))
        .expression_attribute_values(":partition", s(partition))
        .expression_attribute_values(":before", s(before));
    super::query_all(query, limit).await
}

/// Binds files to the chat they are attached in, as part of a transaction: only files
/// not attached elsewhere.
pub fn attach(table: &Table, owner: Uuid, id: Uuid, chat_id: Uuid) -> aws_sdk_dynamodb::types::Update {
    aws_sdk_dynamodb::types::Update::builder()
        .table_name(table.name())
        .set_key(Some(file_key(owner, id)))
        .update_expression("SET chat_id = :chat")
        .condition_expression("#status = :ready AND (attribute_not_exists(chat_id) OR chat_id = :chat)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":chat", s(chat_id.to_string()))
        .expression_attribute_values(":ready", s("ready"))
        .build()
        .expect("table, key and expression are set")
}
