//! Import jobs (`POST /import`): one item per import under its owner, with what it
//! brought in and the conversations it skipped.

use super::error::StoreResult;
use super::{key, keys, Item, Table};
use crate::model::{ImportFormat, Imported};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an import is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Waiting for the worker.
    Queued,
    /// Being read and stored.
    Running,
    /// Done: `imported` says what came in, `errors` what was skipped.
    Complete,
    /// The file could not be imported at all (`errors` says why); nothing was created.
    Failed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub owner: Uuid,
    pub file_id: Uuid,
    pub format: ImportFormat,
    pub status: ImportStatus,
    #[serde(default)]
    pub imported: Imported,
    #[serde(default)]
    pub errors: Vec<String>,
    /// Where the next job goes on: the elements (conversations, or archive entries) of
    /// the file the jobs so far went through. 0 until a job hands over.
    #[serde(default)]
    pub next_element: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ImportItem {
    pub fn new(owner: Uuid, file_id: Uuid, format: ImportFormat, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::import(id),
            id,
            owner,
            file_id,
            format,
            status: ImportStatus::Queued,
            imported: Imported::default(),
            errors: Vec::new(),
            next_element: 0,
            created_at: now,
            updated_at: now,
        }
    }
}

fn import_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::import(id))
}

/// Stores a new import while the owner's account is live.
pub async fn create(table: &Table, item: &ImportItem) -> StoreResult<()> {
    super::put_owned(table, item.owner, serde_dynamo::to_item(item)?).await
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<ImportItem>> {
    super::get(table, import_key(owner, id)).await
}

/// Records where the import is, with what it did so far; `false` when it is gone (its
/// account was deleted).
/// Where an import is, as a job records it.
pub struct Progress<'a> {
    pub status: ImportStatus,
    pub imported: &'a Imported,
    pub errors: &'a [String],
    pub next_element: u64,
}

pub async fn record(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    progress: Progress<'_>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(import_key(owner, id)))
        .update_expression(
            "SET #status = :status, imported = :imported, errors = :errors, next_element = :next, updated_at = :now",
        )
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":status", serde_dynamo::to_attribute_value(progress.status)?)
        .expression_attribute_values(":imported", serde_dynamo::to_attribute_value(progress.imported)?)
        .expression_attribute_values(":errors", serde_dynamo::to_attribute_value(progress.errors)?)
        .expression_attribute_values(":next", super::n(progress.next_element))
        .expression_attribute_values(":now", super::time_attr(now))
        .send()
        .await;
    super::applied(result)
}
