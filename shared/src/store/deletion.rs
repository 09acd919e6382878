//! Deletions that walk partitions: a chat with everything in its own partition, and
//! an account.
//!
//! Account deletion, in the table. The account is first marked (`deleting_at` on the
//! profile): from then on every write that could create an item under the user fails
//! its `owner_live` condition, the account is no longer found (sign-in, tokens), and
//! the walk that follows sees every item there will ever be. The walk is idempotent
//! and goes children first, so a deletion that is cut short is finished by running
//! it again (the cleanup job does, from GSI1 `ACCOUNTS#DELETING`).

use super::chats;
use super::page::{GSI1, GSI1PK, GSI1SK};
use super::pairs::PairItem;
use super::users::{self, UserItem, DELETING};
use super::{key, keys, s, Item};
use super::{StoreResult, Table};
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use time::OffsetDateTime;
use uuid::Uuid;

/// Deletes the chat and every item of its own partition (pairs and what belongs to
/// them). `false` if the owner has no such chat.
pub async fn chat(table: &Table, owner: Uuid, id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
    if !chats::delete_counted(table, owner, id).await? {
        return Ok(false);
    }
    let partition = keys::chat_partition(owner, id);
    let contents = super::query_prefix(table, partition.clone(), "", false).await?;
    // The files attached in the chat go to the cleanup job (it deletes their bytes).
    let mut files: Vec<Uuid> = contents
        .iter()
        .filter(|item| {
            item.get(keys::SK).and_then(|sk| sk.as_s().ok()).is_some_and(|sk| sk.starts_with(keys::PAIR_PREFIX))
        })
        .filter_map(|item| serde_dynamo::from_item::<_, PairItem>(item.clone()).ok())
        .flat_map(|pair| pair.file_ids())
        .collect();
    files.sort();
    files.dedup();
    super::files::mark_chat_deleted(table, owner, id, &files, now).await?;
    super::batch_delete(table, super::keys_of(contents)).await?;
    Ok(true)
}

/// Marks the account as being deleted (keeping the time of a first mark). `false`
/// when there is no such account.
pub async fn mark(table: &Table, user_id: Uuid, now: OffsetDateTime) -> StoreResult<bool> {
    let result = table.update_item()
        .set_key(Some(key(keys::user(user_id), keys::PROFILE)))
        .update_expression(format!(
            "SET {DELETING} = if_not_exists({DELETING}, :now), {GSI1PK} = :deleting, {GSI1SK} = if_not_exists({GSI1SK}, :order)"
        ))
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":now", super::time_attr(now))
        .expression_attribute_values(":deleting", s(keys::ACCOUNTS_DELETING))
        .expression_attribute_values(":order", s(keys::deletion_order(super::millis(now), user_id)))
        .send()
        .await;
    super::applied(result)
}

/// The accounts whose deletion began before `before` and is not finished.
pub async fn interrupted(table: &Table, before: OffsetDateTime) -> StoreResult<Vec<Uuid>> {
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression(format!("{GSI1PK} = :deleting AND {GSI1SK} < :before"))
        .expression_attribute_values(":deleting", s(keys::ACCOUNTS_DELETING))
        .expression_attribute_values(":before", s(keys::deletion_order(super::millis(before), Uuid::nil())));
    Ok(super::query_items(query, usize::MAX).await?.iter().filter_map(|item| super::uuid_attr(item, "id")).collect())
}

/// The keys of every item of table partition `pk` (strongly consistent).
async fn partition_keys(table: &Table, pk: &str) -> StoreResult<Vec<Item>> {
    let query = table
        .query()
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s(pk))
        .projection_expression("PK, SK")
        .consistent_read(true);
    super::query_items(query, usize::MAX).await
}

/// The keys of the table items listed in GSI1 partition `gsi_pk`.
async fn index_keys(table: &Table, gsi_pk: &str) -> StoreResult<Vec<Item>> {
    let query = table
        .query()
        .index_name(GSI1)
        .key_condition_expression(format!("{GSI1PK} = :pk"))
        .expression_attribute_values(":pk", s(gsi_pk))
        .projection_expression("PK, SK");
    Ok(super::query_items(query, usize::MAX)
        .await?
        .into_iter()
        .map(|item| item.into_iter().filter(|(name, _)| name == keys::PK || name == keys::SK).collect())
        .collect())
}

fn sort_key(item: &Item) -> Option<&str> {
    item.get(keys::SK)?.as_s().ok().map(String::as_str)
}

/// Deletes every item of the account in the table: the partitions under the user
/// (children first, then the user's own but for the profile), the one-time tokens
/// and rate-limit windows kept for it elsewhere, then in one transaction the profile
/// with the claims on its email, username and Google identity (which frees them) and
/// its login-failure counter. `rate_scopes` are the scopes of every rate limit. Run on
/// a marked account; running it again is harmless.
pub async fn erase(table: &Table, user_id: Uuid, rate_scopes: &[&str]) -> StoreResult<()> {
    let user_pk = keys::user(user_id);
    let profile = users::get_any(table, user_id).await?;
    let owned = partition_keys(table, &user_pk).await?;
    for child in owned.iter().filter_map(|item| keys::child_partition(user_id, sort_key(item)?)) {
        super::batch_delete(table, partition_keys(table, &child).await?).await?;
    }
    let doomed = owned.into_iter().filter(|item| sort_key(item) != Some(keys::PROFILE)).collect();
    super::batch_delete(table, doomed).await?;
    if let Some(profile) = profile {
        let subjects = [profile.email.clone(), user_id.to_string()];
        let windows = rate_scopes
            .iter()
            .flat_map(|scope| subjects.iter().map(|subject| keys::rate(scope, subject)))
            .map(|pk| async move { partition_keys(table, &pk).await });
        let windows: Vec<Item> = futures::future::try_join_all(windows).await?.into_iter().flatten().collect();
        super::batch_delete(table, windows).await?;
        delete_profile_and_claims(table, &profile).await?;
    }
    // A sign-in that read the profile just before it was marked may have recorded its
    // IP since (that write carries no condition): a last look. The tokens come last:
    // they are found through GSI1, whose reads lag writes (by well under a second), and
    // none can be issued since the mark.
    super::batch_delete(table, partition_keys(table, &user_pk).await?).await?;
    super::batch_delete(table, index_keys(table, &keys::user_tokens(user_id)).await?).await
}

/// Deletes the profile and, only where they still are this account's, its claims.
async fn delete_profile_and_claims(table: &Table, profile: &UserItem) -> StoreResult<()> {
    let delete = |key: Item, owned: bool| {
        let mut delete = Delete::builder().table_name(table.name()).set_key(Some(key));
        if owned {
            delete = delete
                .condition_expression("attribute_not_exists(PK) OR user_id = :user")
                .expression_attribute_values(":user", s(profile.id.to_string()));
        }
        TransactWriteItem::builder().delete(delete.build().expect("table and key are set")).build()
    };
    let mut items = vec![
        delete(key(keys::user(profile.id), keys::PROFILE), false),
        delete(key(keys::email(&profile.email), keys::EMAIL_CLAIM), true),
        delete(key(keys::username(&profile.username.to_lowercase()), keys::USERNAME_CLAIM), true),
        delete(key(keys::login_failures(&profile.email), keys::LOGIN_FAILURES), false),
    ];
    if let Some(sub) = &profile.google_sub {
        items.push(delete(key(keys::google(sub), keys::GOOGLE_LINK), true));
    }
    super::transact(table, items).await?;
    Ok(())
}
