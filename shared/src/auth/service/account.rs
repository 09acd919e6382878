//! Accounts: register, verify email, resend verification, profile updates.

use super::{check_current_password, invalid_token, one_time_token, plausible_secret};
use crate::auth::api::{DeleteMeRequest, RegisterRequest, UpdateMeRequest, User, VerifyEmailResponse};
use crate::auth::{password, token, AuthUser};
use crate::domain::{parse_name, Email, Password, Username, Validator};
use crate::error::{ApiError, ApiResult};
use crate::mail::AccountEmail;
use crate::queue::enqueue_account_email;
use crate::ratelimit::{self, RESEND_PER_EMAIL, RESEND_PER_IP};
use crate::store::tokens::TokenPurpose;
use crate::store::users::{self, ProfileChanges, UserItem};
use crate::store::{credentials, sessions, tokens, Item};
use crate::store::{Conflict, StoreError};
use crate::Deps;
use rand::Rng;

pub const REGISTERED_MESSAGE: &str = "Registration received. Check your email for a link to verify your address.";

/// Creates `user` (its username made unique if taken) with its credential and `extra`
/// items in one transaction. `Ok(None)`: the email already has an account.
pub(super) async fn create_account(
    deps: &Deps,
    mut user: UserItem,
    password_hash: Option<String>,
    extra: Vec<Item>,
) -> ApiResult<Option<UserItem>> {
    let base = Username::from_email(&Email::parse(&user.email).map_err(ApiError::invalid_request)?);
    for _attempt in 0..5 {
        match users::create(&deps.table, &user, password_hash.clone(), extra.clone()).await {
            Ok(()) => return Ok(Some(user)),
            Err(StoreError::Conflict(Conflict::EmailTaken)) => return Ok(None),
            Err(StoreError::Conflict(Conflict::UsernameTaken)) => {
                user.username = base.with_suffix(rand::rng().random_range(0..10_000)).as_str().to_string();
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::conflict("username_taken", "Could not find a free username; try again."))
}

/// POST /auth/register. The same answer, and the same work, whether or not the email
/// has an account: one hash, one transactional attempt to create the account, one job.
/// The account starts with a provisional username that cannot be taken (a taken one
/// would need a second attempt, and the username derived from an address is mostly
/// taken exactly when the address has an account). The email worker then gives it the
/// username derived from the email and sends the verification link, or tells an
/// existing owner that someone tried to register their address.
pub async fn register(deps: &Deps, req: RegisterRequest, ip: Option<String>) -> ApiResult<String> {
    ratelimit::check(deps, &[(ratelimit::REGISTER_PER_IP, ip.as_deref())]).await?;
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(&req.email));
    let first_name = v.check("first_name", parse_name(req.first_name.as_deref().unwrap_or_default()));
    let last_name = v.check("last_name", parse_name(req.last_name.as_deref().unwrap_or_default()));
    let new_password = match Password::parse_new(&req.password, email.as_ref()) {
        Ok(p) => Some(p),
        Err(problems) => {
            problems.into_iter().for_each(|p| v.add("password", p));
            None
        }
    };
    v.finish()?;
    let (email, first_name, last_name, new_password) = (
        email.expect("validated"),
        first_name.expect("validated"),
        last_name.expect("validated"),
        new_password.expect("validated"),
    );
    let hash = password::hash(new_password).await?;
    let user_id = uuid::Uuid::now_v7();
    let username = Username::provisional(&email, user_id);
    let mut user = UserItem::new(user_id, email.to_string(), username.as_str().into(), deps.clock.now());
    user.first_name = first_name;
    user.last_name = last_name;
    let (secret, token_item) = one_time_token(deps, TokenPurpose::VerifyEmail, user_id, deps.config.verification_ttl);
    // Created or not, what follows is the same; the worker tells the cases apart.
    create_account(deps, user, Some(hash), vec![serde_dynamo::to_item(&token_item)?]).await?;
    let job = AccountEmail::Registered { to: email.to_string(), user_id, token: secret };
    enqueue_account_email(deps, job).await?;
    Ok(REGISTERED_MESSAGE.into())
}

/// POST /auth/verify-email: single-use, expiring.
pub async fn verify_email(deps: &Deps, secret: &str) -> ApiResult<VerifyEmailResponse> {
    if !plausible_secret(secret) {
        return Err(invalid_token());
    }
    let token = tokens::take(&deps.table, &token::hash_secret(secret), TokenPurpose::VerifyEmail, deps.clock.now())
        .await?
        .ok_or_else(invalid_token)?;
    let user = users::mark_email_verified(&deps.table, token.user_id).await?.ok_or_else(invalid_token)?;
    Ok(VerifyEmailResponse { user: super::user_view(deps, &user).await? })
}

/// POST /auth/resend-verification: the same answer and work for every address (the
/// email worker sends a fresh link if it has an unverified account).
pub async fn resend_verification(deps: &Deps, email: &str, ip: Option<String>) -> ApiResult<()> {
    let email = Email::parse(email).map_err(|p| ApiError::invalid_field("email", p))?;
    ratelimit::check(deps, &[(RESEND_PER_EMAIL, Some(email.as_str())), (RESEND_PER_IP, ip.as_deref())]).await?;
    enqueue_account_email(deps, AccountEmail::ResendVerification { to: email.to_string() }).await?;
    Ok(())
}

/// PATCH /auth/me.
pub async fn update_me(deps: &Deps, user: UserItem, req: UpdateMeRequest) -> ApiResult<User> {
    let mut v = Validator::default();
    let first_name = req.first_name.as_deref().map(parse_name).and_then(|r| v.check("first_name", r));
    let last_name = req.last_name.as_deref().map(parse_name).and_then(|r| v.check("last_name", r));
    let username = req.username.as_deref().map(Username::parse).and_then(|r| v.check("username", r));
    v.finish()?;
    let avatar = match req.avatar_file_id {
        Some(Some(id)) => Some(Some(crate::files::for_avatar(deps, user.id, id).await?.id)),
        other => other.map(|_| None),
    };
    let changes = ProfileChanges {
        first_name,
        last_name,
        username: username.map(|u| (u.as_str().to_string(), user.username.clone())),
        avatar,
        memory_enabled: req.memory_enabled,
    };
    match users::update_profile(&deps.table, user.id, changes).await {
        Ok(updated) => super::user_view(deps, &updated).await,
        Err(StoreError::Conflict(Conflict::UsernameTaken)) => {
            Err(ApiError::conflict("username_taken", "A user with that username already exists."))
        }
        Err(err) => Err(err.into()),
    }
}

/// How recent a sign-in must be to delete an account that has no password.
pub const REAUTHENTICATE_WITHIN: time::Duration = time::Duration::minutes(15);

/// DELETE /auth/me: the owner proves it is them (the password, checked and counted like
/// on password change; for an account without one, its email from a recent sign-in),
/// then the account and everything it owns go.
pub async fn delete_me(deps: &Deps, auth: &AuthUser, user: UserItem, req: DeleteMeRequest) -> ApiResult<()> {
    let has_password = credentials::get(&deps.table, &user.email).await?.and_then(|c| c.password_hash).is_some();
    if has_password {
        let offered = Password::parse_any(req.password.as_deref().unwrap_or_default())
            .map_err(|p| ApiError::invalid_field("password", p))?;
        if check_current_password(deps, &user, offered).await?.is_none() {
            return Err(ApiError::invalid_field("password", "The password is not correct."));
        }
    } else {
        let offered = req.confirm_email.as_deref().map(Email::parse);
        if !matches!(offered, Some(Ok(email)) if email.as_str() == user.email) {
            return Err(ApiError::invalid_field("confirm_email", "Must be this account's email address."));
        }
        let session = sessions::get_live(&deps.table, user.id, auth.session_id, deps.clock.now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if deps.clock.now() - session.created_at > REAUTHENTICATE_WITHIN {
            return Err(ApiError::forbidden(
                "reauthentication_required",
                "Sign in again to delete this account: the sign-in must be less than 15 minutes old.",
            ));
        }
    }
    crate::account_deletion::delete_account(deps, user.id).await
}
