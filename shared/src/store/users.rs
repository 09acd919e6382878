//! User accounts and the uniqueness claims on their email and username.

use super::credentials::{self, CredentialItem};
use super::{condition_failed_at, key, keys, s, Item};
use crate::error::{ApiError, ApiResult};
use crate::Deps;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};
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
}

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
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum CreateUserError {
    EmailTaken,
    UsernameTaken,
}

fn claim(pk: String, sk: &str, user_id: Uuid) -> Item {
    let mut item = key(pk, sk);
    item.insert("user_id".into(), s(user_id.to_string()));
    item
}

/// Creates the user with its credential (the email claim) and username claim in one
/// transaction, plus any extra items (e.g. the verification token). Fails without
/// writing anything if the email or username is already claimed.
pub async fn create(
    deps: &Deps,
    user: &UserItem,
    password_hash: Option<String>,
    extra: Vec<Item>,
) -> ApiResult<Result<(), CreateUserError>> {
    let credential = CredentialItem::new(&user.email, user.id, password_hash);
    let mut items = vec![
        super::put_new_item(deps, serde_dynamo::to_item(&credential)?),
        super::put_new_item(deps, claim(keys::username(&user.username.to_lowercase()), keys::USERNAME_CLAIM, user.id)),
        super::put_new_item(deps, serde_dynamo::to_item(user)?),
    ];
    items.extend(extra.into_iter().map(|item| super::put_new_item(deps, item)));
    match deps.dynamo.transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => Ok(Ok(())),
        Err(err) if condition_failed_at(&err, 0) => Ok(Err(CreateUserError::EmailTaken)),
        Err(err) if condition_failed_at(&err, 1) => Ok(Err(CreateUserError::UsernameTaken)),
        Err(err) => Err(err.into()),
    }
}

pub async fn get(deps: &Deps, user_id: Uuid) -> ApiResult<Option<UserItem>> {
    super::get(deps, key(keys::user(user_id), keys::PROFILE)).await
}

/// The account that uses this (normalized) email, if any.
pub async fn by_email(deps: &Deps, email: &str) -> ApiResult<Option<UserItem>> {
    match credentials::get(deps, email).await? {
        Some(credential) => get(deps, credential.user_id).await,
        None => Ok(None),
    }
}

fn update(deps: &Deps, user_id: Uuid) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    deps.dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .condition_expression("attribute_exists(PK)")
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
}

fn updated(output: aws_sdk_dynamodb::operation::update_item::UpdateItemOutput) -> ApiResult<UserItem> {
    Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)
}

pub async fn mark_email_verified(deps: &Deps, user_id: Uuid) -> ApiResult<Option<UserItem>> {
    let result = update(deps, user_id)
        .update_expression("SET email_verified = :t")
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        .send()
        .await;
    match result {
        Ok(output) => Ok(Some(updated(output)?)),
        Err(err) if super::condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

pub async fn record_login(deps: &Deps, user_id: Uuid, at: OffsetDateTime) -> ApiResult<UserItem> {
    let output = update(deps, user_id)
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
}

/// Applies profile changes. A username change moves the uniqueness claim in the same
/// transaction, so two users can never end up with one name. `Ok(Err(()))`: taken.
pub async fn update_profile(deps: &Deps, user_id: Uuid, changes: ProfileChanges) -> ApiResult<Result<UserItem, ()>> {
    let mut sets = Vec::new();
    let mut values = std::collections::HashMap::new();
    if let Some(first) = &changes.first_name {
        sets.push("first_name = :first");
        values.insert(":first".to_string(), s(first));
    }
    if let Some(last) = &changes.last_name {
        sets.push("last_name = :last");
        values.insert(":last".to_string(), s(last));
    }
    let mut removes = Vec::new();
    match changes.avatar {
        Some(Some(file_id)) => {
            sets.push("avatar_file_id = :avatar");
            values.insert(":avatar".to_string(), s(file_id.to_string()));
        }
        Some(None) => removes.push("avatar_file_id"),
        None => {}
    }
    let username_change = changes.username.filter(|(new, old)| new != old);
    if let Some((new, _)) = &username_change {
        sets.push("username = :username");
        values.insert(":username".to_string(), s(new));
    }
    if sets.is_empty() && removes.is_empty() {
        return Ok(Ok(get(deps, user_id).await?.ok_or_else(ApiError::not_found)?));
    }
    let mut clauses = Vec::new();
    if !sets.is_empty() {
        clauses.push(format!("SET {}", sets.join(", ")));
    }
    if !removes.is_empty() {
        clauses.push(format!("REMOVE {}", removes.join(", ")));
    }
    let expression = clauses.join(" ");
    let Some((new, old)) = username_change else {
        let output = update(deps, user_id)
            .update_expression(expression)
            .set_expression_attribute_values(Some(values))
            .send()
            .await?;
        return Ok(Ok(updated(output)?));
    };
    let (new_key, old_key) = (new.to_lowercase(), old.to_lowercase());
    let mut items = Vec::new();
    if new_key != old_key {
        items.push(super::put_new_item(deps, claim(keys::username(&new_key), keys::USERNAME_CLAIM, user_id)));
        let delete = Delete::builder()
            .table_name(&deps.config.table_name)
            .set_key(Some(key(keys::username(&old_key), keys::USERNAME_CLAIM)))
            .build()
            .expect("table and key are set");
        items.push(TransactWriteItem::builder().delete(delete).build());
    }
    values.insert(":old".to_string(), s(old));
    let update = Update::builder()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .update_expression(expression)
        .condition_expression("username = :old")
        .set_expression_attribute_values(Some(values))
        .build()
        .expect("table, key and expression are set");
    items.push(TransactWriteItem::builder().update(update).build());
    match deps.dynamo.transact_write_items().set_transact_items(Some(items)).send().await {
        Ok(_) => {}
        Err(err) if new_key != old_key && condition_failed_at(&err, 0) => return Ok(Err(())),
        Err(err) => return Err(err.into()),
    }
    Ok(Ok(get(deps, user_id).await?.ok_or_else(ApiError::not_found)?))
}

/// Deletes the account: every item of the user's partition (sessions, known IPs,
/// and whatever later features keep there), then, in one transaction, the profile
/// and the claims on the email, username and Google identity, which frees them.
pub async fn delete_account(deps: &Deps, user: &UserItem) -> ApiResult<()> {
    let owned = super::query_prefix(deps, keys::user(user.id), "", false).await?;
    // Chats keep their pairs in partitions of their own.
    for chat_id in owned.iter().filter_map(|item| {
        let sk = item.get(keys::SK)?.as_s().ok()?;
        Uuid::parse_str(sk.strip_prefix(keys::CHAT_PREFIX)?).ok()
    }) {
        super::chats::delete(deps, user.id, chat_id).await?;
    }
    let doomed: Vec<Item> = owned
        .into_iter()
        .filter_map(|item| item.get(keys::SK)?.as_s().ok().cloned())
        .filter(|sk| sk != keys::PROFILE)
        .map(|sk| key(keys::user(user.id), sk))
        .collect();
    super::batch_delete(deps, doomed).await?;
    let mut keys_to_delete = vec![
        key(keys::user(user.id), keys::PROFILE),
        key(keys::email(&user.email), keys::EMAIL_CLAIM),
        key(keys::username(&user.username.to_lowercase()), keys::USERNAME_CLAIM),
        key(keys::login_failures(&user.email), keys::LOGIN_FAILURES),
    ];
    if let Some(sub) = &user.google_sub {
        keys_to_delete.push(key(keys::google(sub), keys::GOOGLE_LINK));
    }
    let items = keys_to_delete
        .into_iter()
        .map(|k| {
            let delete =
                Delete::builder().table_name(&deps.config.table_name).set_key(Some(k)).build().expect("table and key");
            TransactWriteItem::builder().delete(delete).build()
        })
        .collect();
    deps.dynamo.transact_write_items().set_transact_items(Some(items)).send().await?;
    Ok(())
}

/// Removes the avatar if it is `file_id` (the file is being deleted).
pub async fn clear_avatar(deps: &Deps, user_id: Uuid, file_id: Uuid) -> ApiResult<()> {
    let result = update(deps, user_id)
        .update_expression("REMOVE avatar_file_id")
        .condition_expression("avatar_file_id = :file")
        .expression_attribute_values(":file", s(file_id.to_string()))
        .send()
        .await;
    super::applied(result).map(|_| ())
}

/// Records the Google identity linked to the account.
pub async fn set_google_sub(deps: &Deps, user_id: Uuid, sub: &str) -> ApiResult<()> {
    update(deps, user_id)
        .update_expression("SET google_sub = :sub")
        .expression_attribute_values(":sub", s(sub))
        .send()
        .await?;
    Ok(())
}

/// Records a sign-in from `ip` at `now` (epoch seconds), forgotten at `forget_at`;
/// returns when that IP was last seen before, if ever.
pub async fn record_sign_in_ip(
    deps: &Deps,
    user_id: Uuid,
    ip: &str,
    now: i64,
    forget_at: i64,
) -> ApiResult<Option<i64>> {
    let output = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
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
