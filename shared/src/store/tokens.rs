//! One-time tokens (email verification, password reset): stored only as a hash,
//! consumed with a conditional delete so each works once, and expiring.

use super::{key, keys};
use super::{StoreResult, Table};
use aws_sdk_dynamodb::types::ReturnValue;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    VerifyEmail,
    PasswordReset,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OneTimeTokenItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    /// Listed under the user (GSI1 `USER#<uid>#TOKENS`), so deleting the account finds it.
    #[serde(rename = "GSI1PK", default)]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default)]
    pub gsi1sk: Option<String>,
    pub purpose: TokenPurpose,
    pub user_id: Uuid,
    /// For password resets: the credential version the token was issued for.
    #[serde(default)]
    pub credential_version: Option<u64>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub ttl: i64,
}

impl OneTimeTokenItem {
    pub fn new(hash_hex: &str, purpose: TokenPurpose, user_id: Uuid, expires_at: OffsetDateTime) -> Self {
        Self {
            pk: keys::one_time_token(hash_hex),
            sk: keys::ONE_TIME_TOKEN.into(),
            gsi1pk: Some(keys::user_tokens(user_id)),
            gsi1sk: Some(keys::one_time_token(hash_hex)),
            purpose,
            user_id,
            credential_version: None,
            expires_at,
            ttl: expires_at.unix_timestamp(),
        }
    }
}

impl OneTimeTokenItem {
    /// For `purpose` and not expired (TTL deletion lags, so expiry is checked here).
    fn usable_for(&self, purpose: TokenPurpose, now: OffsetDateTime) -> bool {
        self.purpose == purpose && self.expires_at > now
    }
}

/// Stores a new token for a live account (401 when it is gone or being deleted).
pub async fn put(table: &Table, token: &OneTimeTokenItem) -> StoreResult<()> {
    super::put_owned(table, token.user_id, serde_dynamo::to_item(token)?).await
}

/// The token if it exists, is for `purpose` and has not expired; it stays usable.
pub async fn peek(
    table: &Table,
    hash_hex: &str,
    purpose: TokenPurpose,
    now: OffsetDateTime,
) -> StoreResult<Option<OneTimeTokenItem>> {
    let key = key(keys::one_time_token(hash_hex), keys::ONE_TIME_TOKEN);
    let token = super::get::<OneTimeTokenItem>(table, key).await?;
    Ok(token.filter(|token| token.usable_for(purpose, now)))
}

/// Deletes the token and returns it if it existed, was for `purpose` and had not
/// expired. Of two concurrent uses only one gets it back.
pub async fn take(
    table: &Table,
    hash_hex: &str,
    purpose: TokenPurpose,
    now: OffsetDateTime,
) -> StoreResult<Option<OneTimeTokenItem>> {
    let result = table
        .delete_item()
        .set_key(Some(key(keys::one_time_token(hash_hex), keys::ONE_TIME_TOKEN)))
        .condition_expression("attribute_exists(PK)")
        .return_values(ReturnValue::AllOld)
        .send()
        .await;
    let output = match result {
        Ok(output) => output,
        Err(err) if super::condition_failed(&err) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let Some(item) = output.attributes else {
        return Ok(None);
    };
    let token: OneTimeTokenItem = serde_dynamo::from_item(item)?;
    Ok(token.usable_for(purpose, now).then_some(token))
}
