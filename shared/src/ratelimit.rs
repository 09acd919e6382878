//! Fixed-window rate limits (api.md's numbers), counted in DynamoDB so they hold
//! across all Lambda containers. Over the limit is 429 with `Retry-After`.

use crate::error::{ApiError, ApiResult};
use crate::store::throttle;
use crate::Deps;

#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub scope: &'static str,
    pub max: i64,
    pub window_secs: i64,
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;

pub const LOGIN_PER_IP: Limit = Limit { scope: "login-ip", max: 10, window_secs: MINUTE };
pub const LOGIN_PER_EMAIL: Limit = Limit { scope: "login-email", max: 10, window_secs: MINUTE };
pub const REGISTER_PER_IP: Limit = Limit { scope: "register-ip", max: 5, window_secs: HOUR };
pub const RESET_PER_EMAIL: Limit = Limit { scope: "reset-email", max: 3, window_secs: HOUR };
pub const RESET_PER_IP: Limit = Limit { scope: "reset-ip", max: 10, window_secs: HOUR };
pub const RESEND_PER_EMAIL: Limit = Limit { scope: "resend-email", max: 3, window_secs: HOUR };
pub const RESEND_PER_IP: Limit = Limit { scope: "resend-ip", max: 10, window_secs: HOUR };

/// Every limit. Account deletion removes the windows counted for the account's email
/// and id under each (a unit test checks that no limit is left out).
pub const ALL: &[Limit] =
    &[LOGIN_PER_IP, LOGIN_PER_EMAIL, REGISTER_PER_IP, RESET_PER_EMAIL, RESET_PER_IP, RESEND_PER_EMAIL, RESEND_PER_IP];

/// Counts this request against every limit whose subject is known (all concurrently)
/// and refuses it if any is exceeded.
pub async fn check(deps: &Deps, limits: &[(Limit, Option<&str>)]) -> ApiResult<()> {
    let now = deps.clock.unix();
    let hits = limits.iter().filter_map(|(limit, subject)| {
        let subject = (*subject)?;
        let start = now - now.rem_euclid(limit.window_secs);
        let end = start + limit.window_secs;
        Some(async move {
            let count = throttle::hit(deps, limit.scope, subject, start, end).await?;
            Ok::<_, ApiError>((count > limit.max).then_some(end - now))
        })
    });
    let exceeded = futures::future::try_join_all(hits).await?;
    match exceeded.into_iter().flatten().max() {
        Some(retry_after) => {
            tracing::info!(retry_after, "rate limited");
            Err(ApiError::rate_limited(retry_after.max(1) as u64))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_limit_is_in_all() {
        let source = include_str!("ratelimit.rs");
        let code = &source[..source.find("#[cfg(test)]").expect("the tests follow the code")];
        let declared = code.matches(": Limit = Limit {").count();
        assert_eq!(super::ALL.len(), declared, "add the new limit to `ALL`");
        let mut scopes: Vec<_> = super::ALL.iter().map(|l| l.scope).collect();
        scopes.sort();
        scopes.dedup();
        assert_eq!(scopes.len(), declared, "scopes are distinct");
    }
}
