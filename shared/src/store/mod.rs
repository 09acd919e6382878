//! The single DynamoDB table. Every item a user owns lives under a partition key that
//! starts with the owner, so a handler can only ever address the caller's items.

pub mod chats;
pub mod credentials;
pub mod deletion;
pub mod error;
pub mod exports;
pub mod files;
pub mod imports;
pub mod jobs;
pub mod keys;
pub mod memories;
pub mod page;
pub mod pairs;
pub mod projects;
pub mod prompts;
pub mod prototypes;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod update;
pub mod usage;
pub mod users;

pub use error::{Condition, Conflict, StoreError, StoreResult};

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;

pub type Item = HashMap<String, AttributeValue>;

/// The table: its client and its name. Built once per container; cheap to clone.
#[derive(Clone, Debug)]
pub struct Table {
    client: aws_sdk_dynamodb::Client,
    name: Arc<str>,
}

impl Table {
    pub fn new(client: aws_sdk_dynamodb::Client, name: impl Into<Arc<str>>) -> Self {
        Self { client, name: name.into() }
    }

    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn get_item(&self) -> aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder {
        self.client.get_item().table_name(self.name())
    }

    pub fn put_item(&self) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        self.client.put_item().table_name(self.name())
    }

    pub fn update_item(&self) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client.update_item().table_name(self.name())
    }

    pub fn delete_item(&self) -> aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder {
        self.client.delete_item().table_name(self.name())
    }

    pub fn query(&self) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client.query().table_name(self.name())
    }
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A time as stored: RFC 3339 text.
pub fn time_attr(at: time::OffsetDateTime) -> AttributeValue {
    s(at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default())
}

/// Epoch milliseconds, for sort keys ordered by time.
pub fn millis(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A transaction item that writes a new item (none may exist at its key).
pub fn put_new_item(table: &Table, item: Item) -> aws_sdk_dynamodb::types::TransactWriteItem {
    let put = aws_sdk_dynamodb::types::Put::builder()
        .table_name(table.name())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .expect("table, item and condition are set");
    aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build()
}

/// The attribute that marks an account being deleted.
pub const DELETING: &str = "deleting_at";

/// The condition on a profile that holds while the account exists and is not being
/// deleted (see [`owner_live`]).
pub const OWNER_LIVE: &str = "attribute_exists(PK) AND attribute_not_exists(deleting_at)";

/// A transaction item that holds only while `owner`'s account exists and is not being
/// deleted. Every write that can create an item in a partition of a user carries it,
/// so once account deletion has marked the profile, nothing new can appear under the
/// user while (or after) its partitions are walked (see `store::deletion`).
pub fn owner_live(table: &Table, owner: uuid::Uuid) -> aws_sdk_dynamodb::types::TransactWriteItem {
    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(table.name())
        .set_key(Some(key(keys::user(owner), keys::PROFILE)))
        .condition_expression(OWNER_LIVE)
        .build()
        .expect("table, key and condition are set");
    aws_sdk_dynamodb::types::TransactWriteItem::builder().condition_check(check).build()
}

/// Writes a new item of `owner`'s (none may exist at its key) while the owner's
/// account is live; `ConditionFailed(OwnerGone)` when it is gone or going.
pub async fn put_owned(table: &Table, owner: uuid::Uuid, item: Item) -> StoreResult<()> {
    match transact(table, vec![owner_live(table, owner), put_new_item(table, item)]).await {
        Ok(_) => Ok(()),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) => Err(err.into()),
    }
}

/// Writes `item` of `owner`'s unless one is at its key already (`false` then), while the
/// owner's account is live; `ConditionFailed(OwnerGone)` when it is gone or going.
pub async fn put_owned_if_absent(table: &Table, owner: uuid::Uuid, item: Item) -> StoreResult<bool> {
    match transact(table, vec![owner_live(table, owner), put_new_item(table, item)]).await {
        Ok(_) => Ok(true),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if condition_failed_at(&err, 1) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// A transaction item that applies `update`.
pub fn update_item(update: aws_sdk_dynamodb::types::Update) -> aws_sdk_dynamodb::types::TransactWriteItem {
    aws_sdk_dynamodb::types::TransactWriteItem::builder().update(update).build()
}

/// The primary key of an item.
pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

/// True when a transaction was cancelled because the condition on item `index` failed.
pub fn condition_failed_at(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError>,
    index: usize,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
            .cancellation_reasons()
            .get(index)
            .and_then(|reason| reason.code())
            .is_some_and(|code| code == "ConditionalCheckFailed"),
        _ => false,
    }
}

type TransactResult = Result<
    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput,
    SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        aws_sdk_dynamodb::config::http::HttpResponse,
    >,
>;

/// Whether a transaction failed only for a moment: another transaction touched one of
/// its items (e.g. two answers adding to the same daily usage), or throttling.
fn transient(err: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError>) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
            .cancellation_reasons()
            .iter()
            .filter_map(|reason| reason.code())
            .any(|code| matches!(code, "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")),
        Some(other) => matches!(
            other.code(),
            Some("TransactionInProgressException" | "ThrottlingException" | "ProvisionedThroughputExceededException")
        ),
        None => false,
    }
}

/// `TransactWriteItems`, tried again (with a short, growing pause) while it fails only
/// for a moment; a failed condition is returned at once.
pub async fn transact(table: &Table, items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>) -> TransactResult {
    let mut pause = std::time::Duration::from_millis(20);
    for _ in 0..4 {
        let result = table.client().transact_write_items().set_transact_items(Some(items.clone())).send().await;
        match result {
            Err(err) if transient(&err) => {
                tokio::time::sleep(pause + std::time::Duration::from_millis(rand::random_range(0..20))).await;
                pause *= 2;
            }
            other => return other,
        }
    }
    table.client().transact_write_items().set_transact_items(Some(items)).send().await
}

/// True when a single-item write failed only because its condition did not hold.
pub fn condition_failed<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// Whether a conditional write happened: `false` when only its condition failed.
pub fn applied<O, E, R>(result: Result<O, SdkError<E, R>>) -> StoreResult<bool>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if condition_failed(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Deletes the item at `key` if it exists; `false` if there was none.
pub async fn delete_existing(table: &Table, key: Item) -> StoreResult<bool> {
    applied(table.delete_item().set_key(Some(key)).condition_expression("attribute_exists(PK)").send().await)
}

/// The item after an `UpdateItem` conditioned on `attribute_exists(PK)` with
/// `ReturnValues::AllNew`; `None` when there was no such item.
pub fn updated<T: DeserializeOwned, R: std::fmt::Debug + Send + Sync + 'static>(
    result: Result<
        aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
        SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
    >,
) -> StoreResult<Option<T>> {
    match result {
        Ok(output) => Ok(Some(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)),
        Err(err) if condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The item at `key` (strongly consistent), as stored.
/// Applies `changes` and a new `updated_at` to the existing item at `item_key` and
/// returns it as now stored; `None` when there is no such item. Nothing to change
/// writes nothing: the item is read instead.
pub async fn update_existing<T: DeserializeOwned>(
    table: &Table,
    item_key: Item,
    changes: update::Changes,
    now: time::OffsetDateTime,
) -> StoreResult<Option<T>> {
    if changes.is_empty() {
        return get(table, item_key).await;
    }
    let request = table
        .update_item()
        .set_key(Some(item_key))
        .condition_expression("attribute_exists(PK)")
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
    let request = changes.set("updated_at", time_attr(now)).apply(request).expect("something changes");
    updated(request.send().await)
}

pub async fn get_raw(table: &Table, key: Item) -> StoreResult<Option<Item>> {
    let output = table.get_item().set_key(Some(key)).consistent_read(true).send().await?;
    Ok(output.item)
}

/// The item at `key` (strongly consistent), mapped to `T`.
pub async fn get<T: DeserializeOwned>(table: &Table, key: Item) -> StoreResult<Option<T>> {
    Ok(match get_raw(table, key).await? {
        Some(item) => Some(serde_dynamo::from_item(item)?),
        None => None,
    })
}

/// A string attribute of an item that holds a uuid (e.g. `user_id` of a claim).
pub fn uuid_attr(item: &Item, name: &str) -> Option<uuid::Uuid> {
    item.get(name)?.as_s().ok().and_then(|id| uuid::Uuid::parse_str(id).ok())
}

/// The keys (`PK`, `SK`) of items read from the table.
pub fn keys_of(items: impl IntoIterator<Item = Item>) -> Vec<Item> {
    let attr = |item: &Item, name: &str| item.get(name)?.as_s().ok().cloned();
    items.into_iter().filter_map(|item| Some(key(attr(&item, keys::PK)?, attr(&item, keys::SK)?))).collect()
}

/// Deletes the items at `keys`, 25 per `BatchWriteItem`, retrying what DynamoDB hands
/// back unprocessed.
pub async fn batch_delete(table: &Table, keys: Vec<Item>) -> StoreResult<()> {
    use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
    for chunk in keys.chunks(25) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|k| {
                let delete = DeleteRequest::builder().set_key(Some(k.clone())).build().expect("key is set");
                WriteRequest::builder().delete_request(delete).build()
            })
            .collect();
        for _ in 0..5 {
            let output = table.client().batch_write_item().request_items(table.name(), requests).send().await?;
            requests = output.unprocessed_items.and_then(|mut m| m.remove(table.name())).unwrap_or_default();
            if requests.is_empty() {
                break;
            }
        }
        if !requests.is_empty() {
            return Err(StoreError::Unprocessed);
        }
    }
    Ok(())
}

/// Puts `items` of `owner`'s (overwriting any at their keys) while the owner's account
/// is live, in transactions of up to 99 items and about 3 MB each (DynamoDB allows 100
/// actions and 4 MB); `ConditionFailed(OwnerGone)` when it is gone or going.
pub async fn put_all_owned(table: &Table, owner: uuid::Uuid, items: Vec<Item>) -> StoreResult<()> {
    const MAX_BYTES: usize = 3 << 20;
    let put = |item: Item| {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(table.name())
            .set_item(Some(item))
            .build()
            .expect("table and item are set");
        aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build()
    };
    let mut batch = vec![owner_live(table, owner)];
    let mut bytes = 0;
    let mut items = items.into_iter().peekable();
    while let Some(item) = items.next() {
        bytes += item_size(&item);
        batch.push(put(item));
        let next = items.peek().map(item_size);
        if next.is_none() || batch.len() == 100 || bytes + next.unwrap_or(0) > MAX_BYTES {
            match transact(table, std::mem::replace(&mut batch, vec![owner_live(table, owner)])).await {
                Ok(_) => {}
                Err(err) if condition_failed_at(&err, 0) => {
                    return Err(StoreError::ConditionFailed(Condition::OwnerGone))
                }
                Err(err) => return Err(err.into()),
            }
            bytes = 0;
        }
    }
    Ok(())
}

/// About the bytes of an item as DynamoDB counts them (names and values).
fn item_size(item: &Item) -> usize {
    fn value(v: &AttributeValue) -> usize {
        match v {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value(v)).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>(),
            AttributeValue::Ss(l) | AttributeValue::Ns(l) => l.iter().map(String::len).sum(),
            _ => 1,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}

/// Every item `query` yields, following its pages, up to `limit` items, as stored.
pub async fn query_items(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    limit: usize,
) -> StoreResult<Vec<Item>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = query.clone().set_exclusive_start_key(start).send().await?;
        items.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if start.is_none() || items.len() >= limit {
            items.truncate(limit);
            return Ok(items);
        }
    }
}

/// Every item `query` yields (up to `limit`), mapped to `T`.
pub async fn query_all<T: DeserializeOwned>(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    limit: usize,
) -> StoreResult<Vec<T>> {
    query_items(query, limit).await?.into_iter().map(|item| Ok(serde_dynamo::from_item(item)?)).collect()
}

/// Every item of partition `pk` whose sort key starts with `prefix` (all pages; an
/// empty prefix for the whole partition),
/// newest first when sort keys are time-ordered ids.
pub async fn query_prefix(table: &Table, pk: String, prefix: &str, newest_first: bool) -> StoreResult<Vec<Item>> {
    let mut query = table.query();
    // An empty prefix means the whole partition (DynamoDB refuses empty key values).
    query = if prefix.is_empty() {
        query.key_condition_expression("PK = :pk")
    } else {
        query
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":prefix", s(prefix))
    };
    let query = query.expression_attribute_values(":pk", s(pk)).scan_index_forward(!newest_first).consistent_read(true);
    query_items(query, usize::MAX).await
}

/// The items of partition `pk` whose sort key starts with `prefix`, a page at a time
/// in sort-key order, mapped to `T` (for walking a partition too large to hold).
pub fn prefix_pages<T: DeserializeOwned>(
    table: &Table,
    pk: String,
    prefix: &str,
) -> impl futures::Stream<Item = StoreResult<Vec<T>>> + use<T> {
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .expression_attribute_values(":pk", s(pk))
        .expression_attribute_values(":prefix", s(prefix))
        .consistent_read(true);
    let pages = query.into_paginator().send();
    futures::stream::unfold(pages, |mut pages| async move {
        let page = pages.next().await?.map_err(StoreError::from).and_then(|output| {
            output.items.unwrap_or_default().into_iter().map(|item| Ok(serde_dynamo::from_item(item)?)).collect()
        });
        Some((page, pages))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_owner_check_names_the_deletion_mark() {
        assert_eq!(super::OWNER_LIVE, format!("attribute_exists(PK) AND attribute_not_exists({})", super::DELETING));
    }
}
