//! Passwords: reset by email (single-use, 1 hour, dead once the password changed by
//! any route) and change while signed in. Both revoke sessions and notify the owner.

use super::login::new_session;
use super::{check_current_password, display_name, invalid_token, plausible_secret};
use crate::auth::api::{PasswordChangeRequest, PasswordResetConfirmRequest, TokenResponse};
use crate::auth::{lockout, password, token, AuthUser};
use crate::domain::{Email, Password, Validator};
use crate::error::{ApiError, ApiResult};
use crate::mail::{AccountEmail, EmailJob};
use crate::queue::{enqueue_account_email, enqueue_email};
use crate::ratelimit::{self, RESET_PER_EMAIL, RESET_PER_IP};
use crate::store::tokens::TokenPurpose;
use crate::store::users::{self, UserItem};
use crate::store::{credentials, sessions, tokens};
use crate::Deps;
use futures::TryFutureExt;

/// POST /auth/password/reset: the same answer and work for every address; the email
/// worker sends an account a link that works once, for an hour, and only while the
/// password is unchanged.
pub async fn request_password_reset(deps: &Deps, email: &str, ip: Option<String>) -> ApiResult<()> {
    let email = Email::parse(email).map_err(|p| ApiError::invalid_field("email", p))?;
    ratelimit::check(deps, &[(RESET_PER_EMAIL, Some(email.as_str())), (RESET_PER_IP, ip.as_deref())]).await?;
    enqueue_account_email(deps, AccountEmail::PasswordReset { to: email.to_string() }).await?;
    Ok(())
}

fn new_password_for(raw: &str, email: &Email, v: &mut Validator) -> Option<Password> {
    match Password::parse_new(raw, Some(email)) {
        Ok(p) => Some(p),
        Err(problems) => {
            problems.into_iter().for_each(|p| v.add("new_password", p));
            None
        }
    }
}

/// POST /auth/password/reset/confirm. A weak new password is refused without using
/// up the link. Success revokes every session, clears the lockout and (the link came
/// by email) marks the address verified.
pub async fn confirm_password_reset(deps: &Deps, req: PasswordResetConfirmRequest) -> ApiResult<()> {
    if !plausible_secret(&req.token) {
        return Err(invalid_token());
    }
    let hash = token::hash_secret(&req.token);
    let pending = tokens::peek(&deps.table, &hash, TokenPurpose::PasswordReset, deps.clock.now())
        .await?
        .ok_or_else(invalid_token)?;
    let user = users::get(&deps.table, pending.user_id).await?.ok_or_else(invalid_token)?;
    let email = Email::parse(&user.email).map_err(|_| invalid_token())?;
    let mut v = Validator::default();
    let new_password = new_password_for(&req.new_password, &email, &mut v);
    v.finish()?;
    let credential = credentials::get(&deps.table, email.as_str()).await?.ok_or_else(invalid_token)?;
    if pending.credential_version != Some(credential.version) {
        tokens::take(&deps.table, &hash, TokenPurpose::PasswordReset, deps.clock.now()).await?;
        return Err(invalid_token());
    }
    let new_hash = password::hash(new_password.expect("validated")).await?;
    // Single use: of two concurrent confirmations only one takes the token.
    tokens::take(&deps.table, &hash, TokenPurpose::PasswordReset, deps.clock.now()).await?.ok_or_else(invalid_token)?;
    if !credentials::set_password(&deps.table, email.as_str(), &new_hash, credential.version).await? {
        return Err(invalid_token());
    }
    let verify = async {
        if !user.email_verified {
            users::mark_email_verified(&deps.table, user.id).await?;
        }
        Ok(())
    };
    tokio::try_join!(
        sessions::delete_all(&deps.table, user.id, None).err_into::<ApiError>(),
        lockout::clear(deps, email.as_str()),
        verify,
        notify_changed(deps, &user),
    )?;
    Ok(())
}

/// POST /auth/password/change: needs the current password; answers with a fresh
/// token and revokes every other session.
pub async fn change_password(
    deps: &Deps,
    auth: &AuthUser,
    user: UserItem,
    req: PasswordChangeRequest,
    ip: Option<String>,
) -> ApiResult<TokenResponse> {
    let email = Email::parse(&user.email).map_err(|_| ApiError::unauthenticated())?;
    let mut v = Validator::default();
    let current = v.check("current_password", Password::parse_any(&req.current_password));
    let new_password = new_password_for(&req.new_password, &email, &mut v);
    v.finish()?;
    let Some(credential) = check_current_password(deps, &user, current.expect("validated")).await? else {
        return Err(ApiError::invalid_field("current_password", "Your current password was entered incorrectly."));
    };
    let new_hash = password::hash(new_password.expect("validated")).await?;
    if !credentials::set_password(&deps.table, email.as_str(), &new_hash, credential.version).await? {
        return Err(ApiError::conflict("password_changed", "The password was changed meanwhile; try again."));
    }
    let (token, expires_at, session_id) = new_session(deps, user.id, auth.device_info.clone(), ip).await?;
    tokio::try_join!(
        sessions::delete_all(&deps.table, user.id, Some(session_id)).err_into::<ApiError>(),
        notify_changed(deps, &user)
    )?;
    Ok(TokenResponse { token, expires_at })
}

async fn notify_changed(deps: &Deps, user: &UserItem) -> ApiResult<()> {
    let name = display_name(user);
    enqueue_email(deps, EmailJob::PasswordChanged { to: user.email.clone(), name, at: deps.clock.now() }).await?;
    Ok(())
}
