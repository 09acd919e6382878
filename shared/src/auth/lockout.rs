//! Account lockout: 5 wrong passwords in a row lock logins for an email for 15
//! minutes. Counted per email whether or not an account exists, so locking reveals
//! nothing about which addresses have accounts; while locked, no password is checked.

use crate::error::{ApiError, ApiResult};
use crate::store::throttle::{self, LoginFailures};
use crate::Deps;
use http::StatusCode;

pub const MAX_FAILURES: i64 = 5;
pub const LOCK_SECS: i64 = 15 * 60;
/// A failure streak is forgotten after a day without another failure.
const FORGET_SECS: i64 = 24 * 3600;

pub fn account_locked(retry_after: i64) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::LOCKED,
        "account_locked",
        "Too many failed logins. This account is locked for 15 minutes; you can reset your password meanwhile.",
    );
    err.retry_after = Some(retry_after.max(1) as u64);
    err
}

/// The 423 to answer if logins for this email are locked now.
pub fn check(deps: &Deps, failures: &LoginFailures) -> ApiResult<()> {
    let now = deps.clock.unix();
    match failures.locked_until {
        Some(until) if until > now => Err(account_locked(until - now)),
        _ => Ok(()),
    }
}

/// Records a wrong password. Returns the error to answer: 401, or 423 when this
/// failure was the one that locked the account.
pub async fn record_failure(deps: &Deps, email: &str, invalid_credentials: ApiError) -> ApiResult<ApiError> {
    let now = deps.clock.unix();
    let failures = throttle::add_login_failure(&deps.table, email, now + FORGET_SECS).await?;
    if failures >= MAX_FAILURES {
        throttle::lock_logins(&deps.table, email, now + LOCK_SECS).await?;
        tracing::info!("account locked after repeated login failures");
        return Ok(account_locked(LOCK_SECS));
    }
    Ok(invalid_credentials)
}

/// Ends a failure streak (successful login, password reset).
pub async fn clear(deps: &Deps, email: &str) -> ApiResult<()> {
    Ok(throttle::clear_login_failures(&deps.table, email).await?)
}
