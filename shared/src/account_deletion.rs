//! Deleting an account and everything it owns, in the table and the bucket.

use crate::error::ApiResult;
use crate::store::{deletion, sessions};
use crate::Deps;
use uuid::Uuid;

/// A deletion still marked this long after it began was cut short (its function
/// timed out or failed); the cleanup job finishes it.
pub const RESUME_AFTER: time::Duration = time::Duration::minutes(15);

/// Deletes the account: marks it (nothing can be written under it from then on),
/// revokes every session at once, then deletes every object under its prefixes in
/// the bucket and every item of it in the table, the profile and its claims last.
pub async fn delete_account(deps: &Deps, user_id: Uuid) -> ApiResult<()> {
    if !deletion::mark(&deps.table, user_id, deps.clock.now()).await? {
        return Ok(());
    }
    sessions::delete_all(&deps.table, user_id, None).await?;
    erase(deps, user_id).await?;
    tracing::info!(%user_id, "account deleted");
    Ok(())
}

async fn erase(deps: &Deps, user_id: Uuid) -> ApiResult<()> {
    crate::files::delete_all_objects_of(deps, user_id).await?;
    let rate_scopes: Vec<&str> = crate::ratelimit::ALL.iter().map(|limit| limit.scope).collect();
    Ok(deletion::erase(&deps.table, user_id, &rate_scopes).await?)
}

/// Finishes the deletions that were cut short; how many.
pub async fn finish_interrupted(deps: &Deps) -> ApiResult<usize> {
    let accounts = deletion::interrupted(&deps.table, deps.clock.now() - RESUME_AFTER).await?;
    for user_id in &accounts {
        erase(deps, *user_id).await?;
        tracing::info!(%user_id, "interrupted account deletion finished");
    }
    Ok(accounts.len())
}
