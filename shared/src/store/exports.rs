//! Export jobs (`POST /export`): one item per export under its owner. Once its archive
//! is written, the item also sits in GSI1 `EXPORTS#EXPIRING` by when the archive
//! expires, so the cleanup job finds the archives to remove; the item itself stays (as
//! `expired`) until its TTL, a week later.

use super::error::StoreResult;
use super::page::{GSI1, GSI1PK, GSI1SK};
use super::{key, keys, n, s, time_attr, Item, Table};
use crate::model::Exported;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Waiting for the worker.
    Queued,
    /// The archive is being written.
    Running,
    /// The archive can be downloaded until `expires_at`.
    Complete,
    /// The archive could not be written (`error` says why); try again.
    Failed,
    /// The archive was removed; export again for a new one.
    Expired,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExportItem {
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
    pub status: ExportStatus,
    /// What the archive holds (once written).
    #[serde(default)]
    pub exported: Exported,
    /// Bytes of the archive (once written).
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ExportItem {
    pub fn new(owner: Uuid, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::export(id),
            gsi1pk: None,
            gsi1sk: None,
            id,
            owner,
            status: ExportStatus::Queued,
            exported: Exported::default(),
            size: 0,
            error: None,
            expires_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

fn export_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::export(id))
}

/// Stores a new export while the owner's account is live.
pub async fn create(table: &Table, item: &ExportItem) -> StoreResult<()> {
    super::put_owned(table, item.owner, serde_dynamo::to_item(item)?).await
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<ExportItem>> {
    super::get(table, export_key(owner, id)).await
}

/// Marks the export running (or failed, with why); `false` when it is gone (its
/// account was deleted).
pub async fn record(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    status: ExportStatus,
    error: Option<&str>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut update = table
        .update_item()
        .set_key(Some(export_key(owner, id)))
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":status", serde_dynamo::to_attribute_value(status)?)
        .expression_attribute_values(":now", time_attr(now));
    update = match error {
        Some(error) => update
            .update_expression("SET #status = :status, #error = :error, updated_at = :now")
            .expression_attribute_names("#error", "error")
            .expression_attribute_values(":error", s(error)),
        None => update.update_expression("SET #status = :status, updated_at = :now"),
    };
    super::applied(update.send().await)
}

/// Records the archive written: complete until `expires_at`, listed for the cleanup
/// job by that time; `false` when the export is gone.
pub async fn complete(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    exported: &Exported,
    size: i64,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(export_key(owner, id)))
        .update_expression(format!(
            "SET #status = :status, exported = :exported, #size = :size, expires_at = :expires, updated_at = :now, \
             {GSI1PK} = :expiring, {GSI1SK} = :order"
        ))
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#size", "size")
        .expression_attribute_values(":status", serde_dynamo::to_attribute_value(ExportStatus::Complete)?)
        .expression_attribute_values(":exported", serde_dynamo::to_attribute_value(exported)?)
        .expression_attribute_values(":size", n(size))
        .expression_attribute_values(":expires", time_attr(expires_at))
        .expression_attribute_values(":now", time_attr(now))
        .expression_attribute_values(":expiring", s(keys::EXPORTS_EXPIRING))
        .expression_attribute_values(":order", s(keys::export_expiry_order(super::millis(expires_at), owner, id)))
        .send()
        .await;
    super::applied(result)
}

/// How long an expired export's item stays (shown as `expired`) before its TTL.
const KEEP_EXPIRED_SECS: i64 = 7 * 86_400;

/// Marks the export expired (its archive removed): out of the cleanup partition, and
/// deleted by TTL a week later.
pub async fn expire(table: &Table, owner: Uuid, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(export_key(owner, id)))
        .update_expression(format!("SET #status = :status, updated_at = :now, #ttl = :ttl REMOVE {GSI1PK}, {GSI1SK}"))
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":status", serde_dynamo::to_attribute_value(ExportStatus::Expired)?)
        .expression_attribute_values(":now", time_attr(now))
        .expression_attribute_values(":ttl", n(now.unix_timestamp() + KEEP_EXPIRED_SECS))
        .send()
        .await;
    super::applied(result)
}

/// Exports whose archives expired before `before`, soonest first, at most `limit`.
pub async fn expired(table: &Table, before: OffsetDateTime, limit: usize) -> StoreResult<Vec<ExportItem>> {
    let before = keys::export_expiry_order(super::millis(before), Uuid::nil(), Uuid::nil());
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression(format!("{GSI1PK} = :partition AND {GSI1SK} < :before"))
        .expression_attribute_values(":partition", s(keys::EXPORTS_EXPIRING))
        .expression_attribute_values(":before", s(before));
    super::query_all(query, limit).await
}
