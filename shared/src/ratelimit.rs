//! Fixed-window rate limits (api.md's numbers), counted in DynamoDB so they hold
//! across all Lambda containers. Over the limit is 429 with `Retry-After`.

use crate::error::{ApiError, ApiResult};
use crate::store::{key, keys, throttle, Item};
use crate::Deps;
use uuid::Uuid;

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
/// Wrong current passwords of a signed-in user (password change, account deletion):
/// the 6th try within 15 minutes is refused.
pub const WRONG_PASSWORD_PER_USER: Limit = Limit { scope: "wrong-password", max: 5, window_secs: 15 * MINUTE };

/// Exports a user starts: each reads the whole account, so the 11th within a day is
/// refused.
pub const EXPORTS_PER_USER: Limit = Limit { scope: "export", max: 10, window_secs: 24 * HOUR };

impl Limit {
    /// The fixed window `now` falls in: `(start, end)` in epoch seconds.
    fn window(&self, now: i64) -> (i64, i64) {
        let start = now - now.rem_euclid(self.window_secs);
        (start, start + self.window_secs)
    }
}

/// Every limit. Account deletion removes the windows counted for the account's email
/// and id under each (a unit test checks that no limit is left out).
pub const ALL: &[Limit] = &[
    LOGIN_PER_IP,
    LOGIN_PER_EMAIL,
    REGISTER_PER_IP,
    RESET_PER_EMAIL,
    RESET_PER_IP,
    RESEND_PER_EMAIL,
    RESEND_PER_IP,
    WRONG_PASSWORD_PER_USER,
    EXPORTS_PER_USER,
];

/// Counts this request against every limit whose subject is known (all concurrently)
/// and refuses it if any is exceeded.
pub async fn check(deps: &Deps, limits: &[(Limit, Option<&str>)]) -> ApiResult<()> {
    let now = deps.clock.unix();
    let hits = limits.iter().filter_map(|(limit, subject)| {
        let subject = (*subject)?;
        let (start, end) = limit.window(now);
        Some(async move {
            let count = throttle::hit(&deps.table, limit.scope, subject, start, end).await?;
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

/// The counter of `limit` for a signed-in user in the window `now` falls in (in the
/// user's partition), and when that window ends.
fn user_counter(limit: Limit, user_id: Uuid, now: i64) -> (Item, i64) {
    let (start, end) = limit.window(now);
    (key(keys::user(user_id), keys::user_rate_window(limit.scope, start)), end)
}

/// For per-user limits that count only failures: refuses (429) without counting
/// anything when the user already used up `limit` in the current window. Check this
/// before the work whose failures are counted, and `count_for_user` each failure.
pub async fn refuse_if_spent_by_user(deps: &Deps, limit: Limit, user_id: Uuid) -> ApiResult<()> {
    let now = deps.clock.unix();
    let (counter, end) = user_counter(limit, user_id, now);
    if throttle::hits_at(&deps.table, counter).await? >= limit.max {
        tracing::info!(scope = limit.scope, retry_after = end - now, "rate limited");
        return Err(ApiError::rate_limited((end - now).max(1) as u64));
    }
    Ok(())
}

/// Counts one failure of the user against `limit` (see `refuse_if_spent_by_user`).
pub async fn count_for_user(deps: &Deps, limit: Limit, user_id: Uuid) -> ApiResult<()> {
    let (counter, end) = user_counter(limit, user_id, deps.clock.unix());
    throttle::hit_at(&deps.table, counter, end).await?;
    Ok(())
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
