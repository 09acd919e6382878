//! The one error type at the HTTP boundary and its mapping to api.md's error shape.
//! Internal failures are logged with their cause chain and answered opaquely.

use crate::store::error::{Condition, Conflict, StoreError};
use aws_sdk_dynamodb::error::SdkError;
use http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::{self, Debug, Display};
use utoipa::ToSchema;

pub type ApiResult<T> = Result<T, ApiError>;
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<FieldErrors>,
    /// Seconds, for 429 and 423 (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// `{"error": {...}}`, the body of every response with status >= 400.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable, snake_case.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field problems, only for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, Vec<String>>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: None, retry_after: None }
    }

    /// Malformed input: bad JSON, wrong types, unknown fields, over-long strings.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// Input that parsed but breaks a rule, with the problems per field.
    pub fn invalid_fields(fields: FieldErrors) -> Self {
        let mut err = Self::invalid_request("Some fields are invalid.");
        err.fields = Some(fields);
        err
    }

    pub fn invalid_field(field: &str, problem: impl Into<String>) -> Self {
        Self::invalid_fields(BTreeMap::from([(field.to_string(), vec![problem.into()])]))
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            "Authentication credentials were missing, invalid, expired or revoked.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found.")
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests. Try again later.");
        err.retry_after = Some(retry_after.max(1));
        err
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "A service this request depends on is unavailable. Try again shortly.",
        )
    }

    /// A bug or an unexpected dependency failure: logged in full, answered opaquely.
    pub fn internal(context: &str, cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(context, error = %ErrorChain(cause), "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side.")
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Formats an error with every `source()` below it, for logs.
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// Any AWS SDK failure that reaches the boundary: unreachable dependency → 503,
/// anything else → opaque 500. Both are logged with the full chain.
impl<E, R> From<SdkError<E, R>> for ApiError
where
    E: std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                tracing::error!(error = %ErrorChain(&err), "dependency unreachable");
                Self::unavailable()
            }
            _ => Self::internal("aws sdk call", &err),
        }
    }
}

/// The one mapping of the store's errors to the contract. Domain code that needs a
/// more specific answer (e.g. a taken username) matches on the variant first.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::not_found(),
            StoreError::ConditionFailed(Condition::OwnerGone) => Self::unauthenticated(),
            StoreError::Conflict(Conflict::Changed(what)) => {
                Self::conflict("conflict", format!("The {what} changed meanwhile; try again."))
            }
            // Domain code that can say more (e.g. `username_taken`) matches these first.
            StoreError::Conflict(Conflict::EmailTaken) => Self::conflict("conflict", "The email is already taken."),
            StoreError::Conflict(Conflict::UsernameTaken) => {
                Self::conflict("conflict", "The username is already taken.")
            }
            StoreError::BadCursor => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_cursor", "The cursor is not valid for this list.")
            }
            StoreError::Unprocessed => Self::unavailable(),
            StoreError::Unreachable(cause) => {
                tracing::error!(error = %ErrorChain(cause.as_ref()), "dependency unreachable");
                Self::unavailable()
            }
            StoreError::Dependency(cause) => Self::internal("aws sdk call", cause.as_ref()),
            StoreError::Mapping(err) => Self::internal("item mapping", &err),
        }
    }
}

impl From<serde_dynamo::Error> for ApiError {
    fn from(err: serde_dynamo::Error) -> Self {
        Self::internal("item mapping", &err)
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::internal("blocking task", &err)
    }
}
