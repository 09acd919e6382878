//! Account deletion, in the table. The account is first marked (`deleting_at` on the
//! profile): from then on every write that could create an item under the user fails
//! its `owner_live` condition, the account is no longer found (sign-in, tokens), and
//! the walk that follows sees every item there will ever be. The walk is idempotent
//! and goes children first, so a deletion that is cut short is finished by running
//! it again (the cleanup job does, from GSI1 `ACCOUNTS#DELETING`).

use super::page::{GSI1, GSI1PK, GSI1SK};
use super::users::{self, UserItem, DELETING};
use super::{key, keys, s, Item};
use crate::error::ApiResult;
use crate::Deps;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use time::OffsetDateTime;
use uuid::Uuid;

/// Marks the account as being deleted (keeping the time of a first mark). `false`
/// when there is no such account.
pub async fn mark(deps: &Deps, user_id: Uuid, now: OffsetDateTime) -> ApiResult<bool> {
    let result = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
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
pub async fn interrupted(deps: &Deps, before: OffsetDateTime) -> ApiResult<Vec<Uuid>> {
    let query = deps
        .dynamo
        .query()
        .table_name(&deps.config.table_name)
        .index_name(GSI1)
        .key_condition_expression(format!("{GSI1PK} = :deleting AND {GSI1SK} < :before"))
        .expression_attribute_values(":deleting", s(keys::ACCOUNTS_DELETING))
        .expression_attribute_values(":before", s(keys::deletion_order(super::millis(before), Uuid::nil())));
    Ok(super::query_items(query, usize::MAX).await?.iter().filter_map(|item| super::uuid_attr(item, "id")).collect())
}

/// The keys of every item of table partition `pk` (strongly consistent).
async fn partition_keys(deps: &Deps, pk: &str) -> ApiResult<Vec<Item>> {
    let query = deps
        .dynamo
        .query()
        .table_name(&deps.config.table_name)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s(pk))
        .projection_expression("PK, SK")
        .consistent_read(true);
    super::query_items(query, usize::MAX).await
}

/// The keys of the table items listed in GSI1 partition `gsi_pk`.
async fn index_keys(deps: &Deps, gsi_pk: &str) -> ApiResult<Vec<Item>> {
    let query = deps
        .dynamo
        .query()
        .table_name(&deps.config.table_name)
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
/// its login-failure counter. Run on a marked account; running it again is harmless.
pub async fn erase(deps: &Deps, user_id: Uuid) -> ApiResult<()> {
    let user_pk = keys::user(user_id);
    let profile = users::get_any(deps, user_id).await?;
    let owned = partition_keys(deps, &user_pk).await?;
    for child in owned.iter().filter_map(|item| keys::child_partition(user_id, sort_key(item)?)) {
        super::batch_delete(deps, partition_keys(deps, &child).await?).await?;
    }
    let doomed = owned.into_iter().filter(|item| sort_key(item) != Some(keys::PROFILE)).collect();
    super::batch_delete(deps, doomed).await?;
    if let Some(profile) = profile {
        let subjects = [profile.email.clone(), user_id.to_string()];
        let windows = crate::ratelimit::ALL
            .iter()
            .flat_map(|limit| subjects.iter().map(|subject| keys::rate(limit.scope, subject)))
            .map(|pk| async move { partition_keys(deps, &pk).await });
        let windows: Vec<Item> = futures::future::try_join_all(windows).await?.into_iter().flatten().collect();
        super::batch_delete(deps, windows).await?;
        delete_profile_and_claims(deps, &profile).await?;
    }
    // A sign-in that read the profile just before it was marked may have recorded its
    // IP since (that write carries no condition): a last look. The tokens come last:
    // they are found through GSI1, whose reads lag writes (by well under a second), and
    // none can be issued since the mark.
    super::batch_delete(deps, partition_keys(deps, &user_pk).await?).await?;
    super::batch_delete(deps, index_keys(deps, &keys::user_tokens(user_id)).await?).await
}

/// Deletes the profile and, only where they still are this account's, its claims.
async fn delete_profile_and_claims(deps: &Deps, profile: &UserItem) -> ApiResult<()> {
    let delete = |key: Item, owned: bool| {
        let mut delete = Delete::builder().table_name(&deps.config.table_name).set_key(Some(key));
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
    super::transact(deps, items).await?;
    Ok(())
}
