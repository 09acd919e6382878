//! Server-side sessions: a JWT is only good while its session item exists and has
//! not expired, so logout, logout-all and password changes revoke at once.

use super::{key, keys, Item};
use crate::error::ApiResult;
use crate::Deps;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_info: String,
    pub ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Refreshed at most every few minutes, so authentication rarely writes.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// `expires_at` as epoch seconds, for DynamoDB TTL.
    pub ttl: i64,
}

impl SessionItem {
    pub fn new(
        user_id: Uuid,
        device_info: String,
        ip: Option<String>,
        created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(user_id),
            sk: keys::session(id),
            id,
            user_id,
            device_info,
            ip,
            created_at,
            expires_at,
            last_used_at: Some(created_at),
            ttl: expires_at.unix_timestamp(),
        }
    }
}

pub async fn put(deps: &Deps, session: &SessionItem) -> ApiResult<()> {
    deps.dynamo
        .put_item()
        .table_name(&deps.config.table_name)
        .set_item(Some(serde_dynamo::to_item(session)?))
        .send()
        .await?;
    Ok(())
}

/// The session if it exists and has not expired (TTL deletion lags, so expiry is checked here).
pub async fn get_live(deps: &Deps, user_id: Uuid, session_id: Uuid) -> ApiResult<Option<SessionItem>> {
    let output = deps
        .dynamo
        .get_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::session(session_id))))
        .consistent_read(true)
        .send()
        .await?;
    let Some(item) = output.item else {
        return Ok(None);
    };
    let session: SessionItem = serde_dynamo::from_item(item)?;
    Ok((session.expires_at > deps.clock.now()).then_some(session))
}

/// Deletes the session; `false` if the user had no such session.
pub async fn delete(deps: &Deps, user_id: Uuid, session_id: Uuid) -> ApiResult<bool> {
    let result = deps
        .dynamo
        .delete_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::session(session_id))))
        .condition_expression("attribute_exists(PK)")
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

pub async fn touch(deps: &Deps, user_id: Uuid, session_id: Uuid, at: OffsetDateTime) -> ApiResult<()> {
    let at = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    deps.dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::session(session_id))))
        .update_expression("SET last_used_at = :at")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":at", super::s(at))
        .send()
        .await
        .map(|_| ())
        .or_else(|err| match err.as_service_error() {
            Some(e) if e.is_conditional_check_failed_exception() => Ok(()),
            _ => Err(err.into()),
        })
}

/// The user's live sessions, newest first.
pub async fn list_live(deps: &Deps, user_id: Uuid) -> ApiResult<Vec<SessionItem>> {
    let now = deps.clock.now();
    let mut sessions = Vec::new();
    let mut start = None;
    loop {
        let output = deps
            .dynamo
            .query()
            .table_name(&deps.config.table_name)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", super::s(keys::user(user_id)))
            .expression_attribute_values(":prefix", super::s(keys::SESSION_PREFIX))
            .scan_index_forward(false)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        for item in output.items.unwrap_or_default() {
            let session: SessionItem = serde_dynamo::from_item(item)?;
            if session.expires_at > now {
                sessions.push(session);
            }
        }
        start = output.last_evaluated_key;
        if start.is_none() {
            return Ok(sessions);
        }
    }
}

/// Keys of every session of the user.
async fn session_keys(deps: &Deps, user_id: Uuid) -> ApiResult<Vec<Item>> {
    let mut keys_found = Vec::new();
    let mut start = None;
    loop {
        let output = deps
            .dynamo
            .query()
            .table_name(&deps.config.table_name)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", super::s(keys::user(user_id)))
            .expression_attribute_values(":prefix", super::s(keys::SESSION_PREFIX))
            .projection_expression("PK, SK")
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        keys_found.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if start.is_none() {
            return Ok(keys_found);
        }
    }
}

/// Deletes every session of the user, except `keep` if given.
pub async fn delete_all(deps: &Deps, user_id: Uuid, keep: Option<Uuid>) -> ApiResult<()> {
    let keep_sk = keep.map(keys::session);
    let doomed: Vec<Item> = session_keys(deps, user_id)
        .await?
        .into_iter()
        .filter(|k| keep_sk.as_deref() != k.get(keys::SK).and_then(|v| v.as_s().ok()).map(String::as_str))
        .collect();
    for chunk in doomed.chunks(25) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|k| {
                let delete = DeleteRequest::builder().set_key(Some(k.clone())).build().expect("key is set");
                WriteRequest::builder().delete_request(delete).build()
            })
            .collect();
        // BatchWriteItem may hand back unprocessed items under load; retry them.
        for _ in 0..5 {
            let output = deps.dynamo.batch_write_item().request_items(&deps.config.table_name, requests).send().await?;
            requests = output.unprocessed_items.and_then(|mut m| m.remove(&deps.config.table_name)).unwrap_or_default();
            if requests.is_empty() {
                break;
            }
        }
    }
    Ok(())
}
