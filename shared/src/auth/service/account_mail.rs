//! The email worker's half of register, password reset and resend-verification: the
//! request path enqueued an `AccountEmail` without looking the address up (so known
//! and unknown addresses cost the same there); this decides from the table what, if
//! anything, to send. Secrets of tokens made here never leave the worker but by email.

use super::{display_name, one_time_token};
use crate::domain::{Email, Username};
use crate::error::ApiResult;
use crate::mail::{AccountEmail, EmailJob};
use crate::store::tokens::{self, TokenPurpose};
use crate::store::users::{ProfileChanges, UserItem};
use crate::store::{credentials, users, Conflict, StoreError};
use crate::Deps;
use rand::Rng;

/// The email to send for `request`, or `None` when the address calls for none.
pub async fn resolve_account_email(deps: &Deps, request: AccountEmail) -> ApiResult<Option<EmailJob>> {
    match request {
        AccountEmail::Registered { to, user_id, token } => {
            let Some(owner) = users::by_email(&deps.table, &to).await? else { return Ok(None) };
            if owner.id != user_id {
                // The address already had an account: its owner hears about the attempt.
                return Ok(Some(EmailJob::RegistrationAttempt { name: display_name(&owner), to: owner.email }));
            }
            if owner.email_verified {
                return Ok(None);
            }
            // This registration created the account; its token was stored with it.
            let owner = settle_username(deps, owner).await?;
            Ok(Some(EmailJob::VerifyEmail { name: display_name(&owner), to: owner.email, token }))
        }
        AccountEmail::ResendVerification { to } => {
            let Some(user) = users::by_email(&deps.table, &to).await? else { return Ok(None) };
            if user.email_verified {
                return Ok(None);
            }
            let (secret, token_item) =
                one_time_token(deps, TokenPurpose::VerifyEmail, user.id, deps.config.verification_ttl);
            tokens::put(&deps.table, &token_item).await?;
            Ok(Some(EmailJob::VerifyEmail { name: display_name(&user), to: user.email, token: secret }))
        }
        AccountEmail::PasswordReset { to } => {
            let Some(credential) = credentials::get(&deps.table, &to).await? else { return Ok(None) };
            let Some(user) = users::get(&deps.table, credential.user_id).await? else { return Ok(None) };
            let (secret, mut token_item) =
                one_time_token(deps, TokenPurpose::PasswordReset, user.id, deps.config.password_reset_ttl);
            token_item.credential_version = Some(credential.version);
            tokens::put(&deps.table, &token_item).await?;
            Ok(Some(EmailJob::PasswordReset { name: display_name(&user), to: user.email, token: secret }))
        }
    }
}

/// A registration creates the account under a provisional username (so its request
/// path never retries on a taken one); here it gets the username derived from its
/// email, with a random suffix when that is taken. A retried job finds it done.
async fn settle_username(deps: &Deps, user: UserItem) -> ApiResult<UserItem> {
    let Ok(email) = Email::parse(&user.email) else { return Ok(user) };
    if !Username::is_provisional(&user.username, &email, user.id) {
        return Ok(user);
    }
    let base = Username::from_email(&email);
    let mut wanted = base.clone();
    for _attempt in 0..5 {
        let changes = ProfileChanges {
            username: Some((wanted.as_str().to_string(), user.username.clone())),
            ..Default::default()
        };
        match users::update_profile(&deps.table, user.id, changes).await {
            Ok(renamed) => return Ok(renamed),
            Err(StoreError::Conflict(Conflict::UsernameTaken)) => {
                wanted = base.with_suffix(rand::rng().random_range(0..10_000))
            }
            Err(err) => return Err(err.into()),
        }
    }
    // Still a valid, unique username; the user can change it.
    Ok(user)
}
