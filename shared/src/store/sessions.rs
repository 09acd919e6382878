//! Server-side sessions: a JWT is only good while its session item exists and has
//! not expired, so logout, logout-all and password changes revoke at once.

use super::{key, keys, query_prefix};
use super::{StoreResult, Table};
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

/// Stores a new session; 401 when the account is gone or being deleted.
pub async fn put(table: &Table, session: &SessionItem) -> StoreResult<()> {
    // Only while the account is live and not disabled: a session cannot outlive a
    // disable that ran while it was being started.
    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(table.name())
        .set_key(Some(key(keys::user(session.user_id), keys::PROFILE)))
        .condition_expression(format!("{} AND attribute_not_exists(disabled_at)", super::OWNER_LIVE))
        .build()
        .expect("table, key and condition are set");
    let items = vec![
        aws_sdk_dynamodb::types::TransactWriteItem::builder().condition_check(check).build(),
        super::put_new_item(table, serde_dynamo::to_item(session)?),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed_at(&err, 0) => {
            Err(super::StoreError::ConditionFailed(super::Condition::OwnerGone))
        }
        Err(err) => Err(err.into()),
    }
}

/// The session if it exists and has not expired (TTL deletion lags, so expiry is checked here).
pub async fn get_live(
    table: &Table,
    user_id: Uuid,
    session_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Option<SessionItem>> {
    let key = key(keys::user(user_id), keys::session(session_id));
    let Some(session) = super::get::<SessionItem>(table, key).await? else { return Ok(None) };
    Ok((session.expires_at > now).then_some(session))
}

/// Deletes the session; `false` if the user had no such session.
pub async fn delete(table: &Table, user_id: Uuid, session_id: Uuid) -> StoreResult<bool> {
    super::delete_existing(table, key(keys::user(user_id), keys::session(session_id))).await
}

pub async fn touch(table: &Table, user_id: Uuid, session_id: Uuid, at: OffsetDateTime) -> StoreResult<()> {
    table
        .update_item()
        .set_key(Some(key(keys::user(user_id), keys::session(session_id))))
        .update_expression("SET last_used_at = :at")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":at", super::time_attr(at))
        .send()
        .await
        .map(|_| ())
        .or_else(|err| if super::condition_failed(&err) { Ok(()) } else { Err(err.into()) })
}

/// The user's live sessions, newest first.
pub async fn list_live(table: &Table, user_id: Uuid, now: OffsetDateTime) -> StoreResult<Vec<SessionItem>> {
    let mut sessions = Vec::new();
    for item in query_prefix(table, keys::user(user_id), keys::SESSION_PREFIX, true).await? {
        let session: SessionItem = serde_dynamo::from_item(item)?;
        if session.expires_at > now {
            sessions.push(session);
        }
    }
    Ok(sessions)
}

/// Deletes every session of the user, except `keep` if given.
pub async fn delete_all(table: &Table, user_id: Uuid, keep: Option<Uuid>) -> StoreResult<()> {
    let keep_sk = keep.map(keys::session);
    let sessions = query_prefix(table, keys::user(user_id), keys::SESSION_PREFIX, false).await?;
    let doomed = sessions.into_iter().filter(|item| {
        let sk = item.get(keys::SK).and_then(|sk| sk.as_s().ok());
        keep_sk.as_deref() != sk.map(String::as_str)
    });
    super::batch_delete(table, super::keys_of(doomed)).await
}
