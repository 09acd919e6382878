//! Sign-in credentials, addressed by the (normalized) email: the item that claims the
//! address for one account also holds its password hash. Login reads this one item
//! whether or not the account exists, so both answers cost the same.

use super::{key, keys, n, s};
use super::{StoreError, StoreResult, Table};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CredentialItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: Uuid,
    /// PHC string (argon2id). `None` for accounts that only sign in with Google.
    pub password_hash: Option<String>,
    /// Bumped on every password change; reset tokens carry the version they were
    /// issued for, so a change by any route kills them.
    pub version: u64,
}

impl CredentialItem {
    pub fn new(email: &str, user_id: Uuid, password_hash: Option<String>) -> Self {
        Self { pk: keys::email(email), sk: keys::EMAIL_CLAIM.into(), user_id, password_hash, version: 0 }
    }
}

pub async fn get(table: &Table, email: &str) -> StoreResult<Option<CredentialItem>> {
    super::get(table, key(keys::email(email), keys::EMAIL_CLAIM)).await
}

/// Sets a new password hash if the credential is still at `expected_version`.
/// `false` when it changed in between (a concurrent change or reset won).
pub async fn set_password(table: &Table, email: &str, hash: &str, expected_version: u64) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(key(keys::email(email), keys::EMAIL_CLAIM)))
        .update_expression("SET password_hash = :hash, version = :next")
        .condition_expression("version = :expected")
        .expression_attribute_values(":hash", s(hash))
        .expression_attribute_values(":next", n(expected_version + 1))
        .expression_attribute_values(":expected", n(expected_version))
        .send()
        .await;
    super::applied(result)
}

fn google_key(sub: &str) -> super::Item {
    key(keys::google(sub), keys::GOOGLE_LINK)
}

/// The link from a Google identity to an account, as an item to write.
pub fn google_link_item(sub: &str, user_id: Uuid) -> super::Item {
    let mut item = google_key(sub);
    item.insert("user_id".into(), s(user_id.to_string()));
    item
}

/// The account linked to this Google identity, if any.
pub async fn google_link(table: &Table, sub: &str) -> StoreResult<Option<Uuid>> {
    Ok(super::get_raw(table, google_key(sub)).await?.and_then(|item| super::uuid_attr(&item, "user_id")))
}

/// Links the Google identity to the account: the link and the profile's `google_sub`
/// in one transaction, only while the account is live (401 when it is gone or being
/// deleted: its deletion finds the link through the profile).
pub async fn link_google(table: &Table, sub: &str, user_id: Uuid) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
    let profile = Update::builder()
        .table_name(table.name())
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .update_expression("SET google_sub = :sub")
        .condition_expression(super::OWNER_LIVE)
        .expression_attribute_values(":sub", s(sub))
        .build()
        .expect("table, key and expression are set");
    let link = Put::builder()
        .table_name(table.name())
        .set_item(Some(google_link_item(sub, user_id)))
        .build()
        .expect("table and item are set");
    let items = vec![super::update_item(profile), TransactWriteItem::builder().put(link).build()];
    match super::transact(table, items).await {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed_at(&err, 0) => {
            Err(StoreError::ConditionFailed(super::Condition::OwnerGone))
        }
        Err(err) => Err(err.into()),
    }
}
