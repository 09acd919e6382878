//! The email worker's half of register, password reset and resend-verification: the
//! request path enqueued an `AccountEmail` without looking the address up (so known
//! and unknown addresses cost the same there); this decides from the table what, if
//! anything, to send. Secrets of tokens made here never leave the worker but by email.

use super::{display_name, one_time_token};
use crate::error::ApiResult;
use crate::mail::{AccountEmail, EmailJob};
use crate::store::tokens::{self, TokenPurpose};
use crate::store::{credentials, users};
use crate::Deps;

/// The email to send for `request`, or `None` when the address calls for none.
pub async fn resolve_account_email(deps: &Deps, request: AccountEmail) -> ApiResult<Option<EmailJob>> {
    match request {
        AccountEmail::Registered { to, user_id, token } => {
            let Some(owner) = users::by_email(deps, &to).await? else { return Ok(None) };
            let name = display_name(&owner);
            Ok(if owner.id != user_id {
                // The address already had an account: its owner hears about the attempt.
                Some(EmailJob::RegistrationAttempt { to: owner.email, name })
            } else if owner.email_verified {
                None
            } else {
                // This registration created the account; its token was stored with it.
                Some(EmailJob::VerifyEmail { to: owner.email, name, token })
            })
        }
        AccountEmail::ResendVerification { to } => {
            let Some(user) = users::by_email(deps, &to).await? else { return Ok(None) };
            if user.email_verified {
                return Ok(None);
            }
            let (secret, token_item) =
                one_time_token(deps, TokenPurpose::VerifyEmail, user.id, deps.config.verification_ttl);
            tokens::put(deps, &token_item).await?;
            Ok(Some(EmailJob::VerifyEmail { name: display_name(&user), to: user.email, token: secret }))
        }
        AccountEmail::PasswordReset { to } => {
            let Some(credential) = credentials::get(deps, &to).await? else { return Ok(None) };
            let Some(user) = users::get(deps, credential.user_id).await? else { return Ok(None) };
            let (secret, mut token_item) =
                one_time_token(deps, TokenPurpose::PasswordReset, user.id, deps.config.password_reset_ttl);
            token_item.credential_version = Some(credential.version);
            tokens::put(deps, &token_item).await?;
            Ok(Some(EmailJob::PasswordReset { name: display_name(&user), to: user.email, token: secret }))
        }
    }
}
