//! The store's own error type. It says what happened in the table's terms; the one
//! mapping to the HTTP contract is the `From` impl in `crate::error`,
//! and domain code that needs a specific answer matches on the variant.

use aws_sdk_dynamodb::error::SdkError;
use std::fmt::Debug;

pub type StoreResult<T> = Result<T, StoreError>;

/// An SDK failure, kept whole for the logs.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item the write or read needed is not there.
    #[error("no such item")]
    NotFound,
    /// A write's condition did not hold, for the reason given.
    #[error("condition failed: {0}")]
    ConditionFailed(Condition),
    /// Another write won: a uniqueness claim is held, or the item changed meanwhile.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// A pagination cursor that is not a position in the list it was given for.
    #[error("the cursor does not belong to this list")]
    BadCursor,
    /// DynamoDB left part of a batch unprocessed, even after retries.
    #[error("DynamoDB left part of a batch unprocessed")]
    Unprocessed,
    /// DynamoDB could not be reached (dispatch failure or timeout).
    #[error("DynamoDB is unreachable")]
    Unreachable(#[source] Cause),
    /// Any other failure of a DynamoDB call.
    #[error("DynamoDB call failed")]
    Dependency(#[source] Cause),
    /// An item that does not map to (or from) its type.
    #[error("item mapping failed")]
    Mapping(#[from] serde_dynamo::Error),
}

/// Which condition failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Condition {
    /// The owner's account is gone or being deleted: nothing may be written under it.
    #[error("the owner's account is gone or being deleted")]
    OwnerGone,
}

/// What another write won.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another account claims the email.
    #[error("the email is taken")]
    EmailTaken,
    /// Another account claims the username.
    #[error("the username is taken")]
    UsernameTaken,
    /// The item (named) kept changing while it was being written.
    #[error("the {0} changed meanwhile")]
    Changed(&'static str),
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Self::Unreachable(Box::new(err)),
            _ => Self::Dependency(Box::new(err)),
        }
    }
}
