//! The auth use cases behind the `/auth` routes. Answers never reveal whether an
//! account exists (register, resend, reset: the same request-path work for every
//! address, the difference decided by the email worker) and login fails identically
//! for an unknown email and a wrong password, in content and in time.

mod account;
mod account_mail;
mod login;
pub mod operator;
mod recovery;

pub use account::{delete_me, register, resend_verification, update_me, verify_email, REGISTERED_MESSAGE};
pub use account_mail::resolve_account_email;
pub use login::{account_disabled, google, list_sessions, login, logout, logout_all, revoke_session};
pub use recovery::{change_password, confirm_password_reset, request_password_reset};

use super::{password, token};
use crate::domain::Password;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::{self, WRONG_PASSWORD_PER_USER};
use crate::store::credentials::{self, CredentialItem};
use crate::store::tokens::{OneTimeTokenItem, TokenPurpose};
use crate::store::users::UserItem;
use crate::Deps;
use futures::TryFutureExt;
use http::StatusCode;
use std::time::Duration;
use uuid::Uuid;

fn display_name(user: &UserItem) -> String {
    if user.first_name.is_empty() {
        user.username.clone()
    } else {
        user.first_name.clone()
    }
}

/// A fresh one-time secret for `purpose` and the item that stores its hash.
fn one_time_token(deps: &Deps, purpose: TokenPurpose, user_id: Uuid, ttl: Duration) -> (String, OneTimeTokenItem) {
    let (secret, hash) = token::one_time_secret();
    (secret, OneTimeTokenItem::new(&hash, purpose, user_id, deps.clock.now() + ttl))
}

fn invalid_token() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_token", "This link is invalid, already used, or expired.")
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "Unable to log in with the provided credentials.")
}

/// Checks a signed-in user's current password (password change, account deletion).
/// Wrong ones are counted per user across those routes; once 5 were wrong in the
/// current 15-minute window, every check is 429 until it ends, and no hash is
/// verified meanwhile. `Some(credential)` when the password is right, `None` when wrong.
async fn check_current_password(deps: &Deps, user: &UserItem, offered: Password) -> ApiResult<Option<CredentialItem>> {
    let (credential, ()) = tokio::try_join!(
        credentials::get(&deps.table, &user.email).err_into::<ApiError>(),
        ratelimit::refuse_if_spent_by_user(deps, WRONG_PASSWORD_PER_USER, user.id),
    )?;
    if password::verify(offered, credential.as_ref().and_then(|c| c.password_hash.clone())).await? {
        // Only a stored hash ever verifies, so the credential is there.
        return Ok(credential);
    }
    ratelimit::count_for_user(deps, WRONG_PASSWORD_PER_USER, user.id).await?;
    Ok(None)
}

/// One-time secrets are 43 characters; anything far off is not worth a lookup.
fn plausible_secret(secret: &str) -> bool {
    !secret.is_empty() && secret.len() <= 128
}

/// The user as the API shows it, with a fresh download URL of the avatar.
pub async fn user_view(deps: &Deps, user: &crate::store::users::UserItem) -> crate::ApiResult<crate::auth::api::User> {
    let avatar_url = match user.avatar_file_id {
        Some(file_id) => Some(crate::files::avatar_url(deps, user.id, file_id).await?),
        None => None,
    };
    Ok(crate::auth::api::User::new(user, avatar_url))
}
