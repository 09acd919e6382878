//! The single DynamoDB table. Every item a user owns lives under a partition key that
//! starts with the owner, so a handler can only ever address the caller's items.

pub mod credentials;
pub mod jobs;
pub mod keys;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
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
