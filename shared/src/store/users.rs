//! User accounts and the uniqueness claims on their email and username.

use super::credentials::{self, CredentialItem};
use super::update::Changes;
use super::{condition_failed_at, key, keys, s, Item};
use super::{Conflict, StoreError, StoreResult, Table};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email_verified: bool,
    pub avatar_file_id: Option<Uuid>,
    /// The Google identity linked to this account, if any.
    #[serde(default)]
    pub google_sub: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
    /// Set when the account's deletion began: nothing may be written under it from then
    /// on, and it is no longer found (see `store::deletion`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub deleting_at: Option<OffsetDateTime>,
    /// Whether the assistant learns and uses long-term memories (absent means on).
    #[serde(default = "enabled")]
    pub memory_enabled: bool,
    /// Bumped in the same transaction as every write that changes what the user's
    /// active memories read (`store::memories::active_at`): a copy of them read after
    /// this profile and kept under this number is current while the number stays.
    #[serde(default)]
    pub memories_rev: u64,
    /// Set by an operator (`myclaude-admin disable-user`): no session can start, and
    /// those there were are revoked.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

fn enabled() -> bool {
    true
}

pub use super::DELETING;

impl UserItem {
    pub fn new(id: Uuid, email: String, username: String, now: OffsetDateTime) -> Self {
        Self {
            pk: keys::user(id),
            sk: keys::PROFILE.into(),
            id,
            email,
            username,
            first_name: String::new(),
            last_name: String::new(),
            email_verified: false,
            avatar_file_id: None,
            google_sub: None,
            date_joined: now,
            last_login: None,
            deleting_at: None,
            memory_enabled: true,
            memories_rev: 0,
            disabled_at: None,
        }
    }
}

fn claim(pk: String, sk: &str, user_id: Uuid) -> Item {
    let mut item = key(pk, sk);
    item.insert("user_id".into(), s(user_id.to_string()));
    item
}

/// Creates the user with its credential (the email claim) and username claim in one
/// transaction, plus any extra items (e.g. the verification token). Fails without
/// writing anything if the email or username is already claimed
/// (`Conflict::EmailTaken` / `Conflict::UsernameTaken`).
pub async fn create(
    table: &Table,
    user: &UserItem,
    password_hash: Option<String>,
    extra: Vec<Item>,
) -> StoreResult<()> {
    let credential = CredentialItem::new(&user.email, user.id, password_hash);
    let mut items = vec![
        super::put_new_item(table, serde_dynamo::to_item(&credential)?),
        super::put_new_item(table, claim(keys::username(&user.username.to_lowercase()), keys::USERNAME_CLAIM, user.id)),
        super::put_new_item(table, serde_dynamo::to_item(user)?),
    ];
    items.extend(extra.into_iter().map(|item| super::put_new_item(table, item)));
    match table.client().transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => Ok(()),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::Conflict(Conflict::EmailTaken)),
        Err(err) if condition_failed_at(&err, 1) => Err(StoreError::Conflict(Conflict::UsernameTaken)),
        Err(err) => Err(err.into()),
    }
}

/// The account, unless it is gone or being deleted.
pub async fn get(table: &Table, user_id: Uuid) -> StoreResult<Option<UserItem>> {
    Ok(get_any(table, user_id).await?.filter(|user| user.deleting_at.is_none()))
}

/// The account's profile as stored, also while it is being deleted.
pub async fn get_any(table: &Table, user_id: Uuid) -> StoreResult<Option<UserItem>> {
    super::get(table, key(keys::user(user_id), keys::PROFILE)).await
}

/// The account that uses this (normalized) email, if any.
pub async fn by_email(table: &Table, email: &str) -> StoreResult<Option<UserItem>> {
    match credentials::get(table, email).await? {
        Some(credential) => get(table, credential.user_id).await,
        None => Ok(None),
    }
}

fn update(table: &Table, user_id: Uuid) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    table
        .update_item()
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .condition_expression("attribute_exists(PK)")
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
}

fn updated(output: aws_sdk_dynamodb::operation::update_item::UpdateItemOutput) -> StoreResult<UserItem> {
    Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)
}

/// Disables the account from `at` (`None`: enables it again); `false` when there is
/// no such account.
pub async fn set_disabled(table: &Table, user_id: Uuid, at: Option<OffsetDateTime>) -> StoreResult<bool> {
    let update = update(table, user_id);
    let update = match at {
        Some(at) => update
            .update_expression("SET disabled_at = if_not_exists(disabled_at, :at)")
            .expression_attribute_values(":at", super::time_attr(at)),
        None => update.update_expression("REMOVE disabled_at"),
    };
    match update.send().await {
        Ok(_) => Ok(true),
        Err(err) if super::condition_failed(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

pub async fn mark_email_verified(table: &Table, user_id: Uuid) -> StoreResult<Option<UserItem>> {
    let result = update(table, user_id)
        .update_expression("SET email_verified = :t")
        .expression_attribute_values(":t", AttributeValue::Bool(true))
        .send()
        .await;
    match result {
        Ok(output) => Ok(Some(updated(output)?)),
        Err(err) if super::condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

pub async fn record_login(table: &Table, user_id: Uuid, at: OffsetDateTime) -> StoreResult<UserItem> {
    let output = update(table, user_id)
        .update_expression("SET last_login = :at")
        .expression_attribute_values(":at", super::time_attr(at))
        .send()
        .await?;
    updated(output)
}

/// Profile fields a user may change themselves.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The new username (already validated) and the current one it replaces.
    pub username: Option<(String, String)>,
    /// `Some(None)` removes the avatar.
    pub avatar: Option<Option<Uuid>>,
    /// Whether the assistant learns and uses long-term memories.
    pub memory_enabled: Option<bool>,
}

/// Applies profile changes. A username change moves the uniqueness claim in the same
/// transaction, so two users can never end up with one name (`Conflict::UsernameTaken`
/// when it is taken).
/// Nothing to change (e.g. removing an avatar there is none of) writes nothing.
pub async fn update_profile(table: &Table, user_id: Uuid, changes: ProfileChanges) -> StoreResult<UserItem> {
    let mut update = Changes::new();
    if let Some(first) = &changes.first_name {
        update = update.set("first_name", s(first));
    }
    if let Some(last) = &changes.last_name {
        update = update.set("last_name", s(last));
    }
    if let Some(avatar) = changes.avatar {
        update = update.set_or_remove("avatar_file_id", avatar.map(|id| s(id.to_string())));
    }
    if let Some(enabled) = changes.memory_enabled {
        update = update.set("memory_enabled", AttributeValue::Bool(enabled));
    }
    let username_change = changes.username.filter(|(new, old)| new != old);
    if let Some((new, _)) = &username_change {
        update = update.set("username", s(new));
    }
    let Some((new, old)) = username_change else {
        let Some(request) = update.apply(self::update(table, user_id)) else {
            return get(table, user_id).await?.ok_or(StoreError::NotFound);
        };
        return updated(request.send().await?);
    };
    let (new_key, old_key) = (new.to_lowercase(), old.to_lowercase());
    let mut items = Vec::new();
    if new_key != old_key {
        items.push(super::put_new_item(table, claim(keys::username(&new_key), keys::USERNAME_CLAIM, user_id)));
        let delete = Delete::builder()
            .table_name(table.name())
            .set_key(Some(key(keys::username(&old_key), keys::USERNAME_CLAIM)))
            .build()
            .expect("table and key are set");
        items.push(TransactWriteItem::builder().delete(delete).build());
    }
    let profile = Update::builder()
        .table_name(table.name())
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .condition_expression("username = :old");
    let profile = update.value(":old", s(old)).build(profile).expect("the username changes");
    items.push(TransactWriteItem::builder().update(profile).build());
    match table.client().transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => {}
        Err(err) if new_key != old_key && condition_failed_at(&err, 0) => {
            return Err(StoreError::Conflict(Conflict::UsernameTaken))
        }
        Err(err) => return Err(err.into()),
    }
    get(table, user_id).await?.ok_or(StoreError::NotFound)
}

/// Removes the avatar if it is `file_id` (the file is being deleted).
pub async fn clear_avatar(table: &Table, user_id: Uuid, file_id: Uuid) -> StoreResult<()> {
    let result = update(table, user_id)
        .update_expression("REMOVE avatar_file_id")
        .condition_expression("avatar_file_id = :file")
        .expression_attribute_values(":file", s(file_id.to_string()))
        .send()
        .await;
    super::applied(result).map(|_| ())
}

/// Records a sign-in from `ip` at `now` (epoch seconds), forgotten at `forget_at`;
/// returns when that IP was last seen before, if ever.
pub async fn record_sign_in_ip(
    table: &Table,
    user_id: Uuid,
    ip: &str,
    now: i64,
    forget_at: i64,
) -> StoreResult<Option<i64>> {
    let output = table
        .update_item()
        .set_key(Some(key(keys::user(user_id), keys::known_ip(ip))))
        .update_expression("SET last_seen = :now, #ttl = :ttl")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":now", super::n(now))
        .expression_attribute_values(":ttl", super::n(forget_at))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await?;
    Ok(output
        .attributes
        .as_ref()
        .and_then(|a| a.get("last_seen"))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok()))
}
