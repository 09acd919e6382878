//! Counters that throttle abuse: fixed-window rate limits and consecutive login
//! failures. Kept in DynamoDB (atomic `ADD`, TTL) so they hold across every Lambda
//! container.

use super::{key, keys, n};
use super::{StoreResult, Table};
use aws_sdk_dynamodb::types::ReturnValue;

fn number(item: Option<&super::Item>, name: &str) -> Option<i64> {
    item?.get(name)?.as_n().ok()?.parse().ok()
}

/// Counts one hit for `subject` in the window starting at `window_start`; returns the
/// count including this hit. The item expires with its window.
pub async fn hit(table: &Table, scope: &str, subject: &str, window_start: i64, window_end: i64) -> StoreResult<i64> {
    hit_at(table, key(keys::rate(scope, subject), keys::rate_window(window_start)), window_end).await
}

/// Counts one hit on the window counter at `counter`, which expires at `window_end`;
/// returns the count including this hit.
pub async fn hit_at(table: &Table, counter: super::Item, window_end: i64) -> StoreResult<i64> {
    let output = table
        .update_item()
        .set_key(Some(counter))
        .update_expression("ADD hits :one SET #ttl = :ttl")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":ttl", n(window_end))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await?;
    Ok(number(output.attributes.as_ref(), "hits").unwrap_or(1))
}

/// The hits counted so far on the window counter at `counter`.
pub async fn hits_at(table: &Table, counter: super::Item) -> StoreResult<i64> {
    Ok(number(super::get_raw(table, counter).await?.as_ref(), "hits").unwrap_or(0))
}

#[derive(Debug, Default, Clone, Copy)]
pub struct LoginFailures {
    pub failures: i64,
    /// Epoch seconds until which logins are refused.
    pub locked_until: Option<i64>,
}

pub async fn login_failures(table: &Table, email: &str) -> StoreResult<LoginFailures> {
    let item = super::get_raw(table, key(keys::login_failures(email), keys::LOGIN_FAILURES)).await?;
    let item = item.as_ref();
    Ok(LoginFailures { failures: number(item, "failures").unwrap_or(0), locked_until: number(item, "locked_until") })
}

/// Counts one more failure in a row; returns the new count. The counter is forgotten
/// at `forget_at` (epoch seconds) if nothing else happens.
pub async fn add_login_failure(table: &Table, email: &str, forget_at: i64) -> StoreResult<i64> {
    let output = table
        .update_item()
        .set_key(Some(key(keys::login_failures(email), keys::LOGIN_FAILURES)))
        .update_expression("ADD failures :one SET #ttl = :ttl")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":ttl", n(forget_at))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await?;
    Ok(number(output.attributes.as_ref(), "failures").unwrap_or(1))
}

/// Locks logins for `email` until `until` and starts a fresh count.
pub async fn lock_logins(table: &Table, email: &str, until: i64) -> StoreResult<()> {
    table
        .update_item()
        .set_key(Some(key(keys::login_failures(email), keys::LOGIN_FAILURES)))
        .update_expression("SET locked_until = :until, failures = :zero, #ttl = :until")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":until", n(until))
        .expression_attribute_values(":zero", n(0))
        .send()
        .await?;
    Ok(())
}

pub async fn clear_login_failures(table: &Table, email: &str) -> StoreResult<()> {
    table.delete_item().set_key(Some(key(keys::login_failures(email), keys::LOGIN_FAILURES))).send().await?;
    Ok(())
}
