//! The auth use cases behind the `/auth` routes. Answers never reveal whether an
//! account exists (register, resend) and login fails identically for an unknown
//! email and a wrong password, in content and in time.

use super::api::{LoginRequest, LoginResponse, RegisterRequest, UpdateMeRequest, User};
use super::{password, token, AuthUser};
use crate::domain::{parse_device_info, parse_name, Email, Password, Username, Validator};
use crate::error::{ApiError, ApiResult};
use crate::mail::EmailJob;
use crate::queue::enqueue_email;
use crate::store::tokens::{OneTimeTokenItem, TokenPurpose};
use crate::store::users::{CreateUserError, ProfileChanges, UserItem};
use crate::store::{key, keys, sessions, tokens, users};
use crate::Deps;
use aws_sdk_dynamodb::types::ReturnValue;
use http::StatusCode;
use rand::Rng;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const REGISTERED_MESSAGE: &str = "Registration received. Check your email for a link to verify your address.";

/// A login from an IP not seen for this long counts as new.
const KNOWN_IP_DAYS: i64 = 90;

fn display_name(user: &UserItem) -> String {
    if user.first_name.is_empty() {
        user.username.clone()
    } else {
        user.first_name.clone()
    }
}

fn verification_token(deps: &Deps, user_id: Uuid) -> (String, OneTimeTokenItem) {
    let (secret, hash) = token::one_time_secret();
    let expires = deps.clock.now() + deps.config.verification_ttl;
    (secret, OneTimeTokenItem::new(&hash, TokenPurpose::VerifyEmail, user_id, expires))
}

/// POST /auth/register. The same answer whether or not the email has an account;
/// an existing owner gets a "someone tried to register" email instead.
pub async fn register(deps: &Deps, req: RegisterRequest) -> ApiResult<String> {
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
    let now = deps.clock.now();
    let base_username = Username::from_email(&email);
    let mut username = base_username.clone();
    for _attempt in 0..5 {
        let mut user =
            UserItem::new(Uuid::now_v7(), email.to_string(), username.as_str().into(), Some(hash.clone()), now);
        user.first_name = first_name.clone();
        user.last_name = last_name.clone();
        let (secret, token_item) = verification_token(deps, user.id);
        match users::create(deps, &user, vec![serde_dynamo::to_item(&token_item)?]).await? {
            Ok(()) => {
                let name = display_name(&user);
                enqueue_email(deps, EmailJob::VerifyEmail { to: user.email, name, token: secret }).await?;
                return Ok(REGISTERED_MESSAGE.into());
            }
            Err(CreateUserError::EmailTaken) => {
                if let Some(owner) = users::by_email(deps, email.as_str()).await? {
                    let name = display_name(&owner);
                    enqueue_email(deps, EmailJob::RegistrationAttempt { to: owner.email, name }).await?;
                }
                return Ok(REGISTERED_MESSAGE.into());
            }
            Err(CreateUserError::UsernameTaken) => {
                username = base_username.with_suffix(rand::rng().random_range(0..10_000));
            }
        }
    }
    Err(ApiError::conflict("username_taken", "Could not find a free username; try again."))
}

fn invalid_token() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_token", "This link is invalid, already used, or expired.")
}

/// POST /auth/verify-email: single-use, expiring.
pub async fn verify_email(deps: &Deps, secret: &str) -> ApiResult<User> {
    if secret.is_empty() || secret.len() > 128 {
        return Err(invalid_token());
    }
    let token =
        tokens::take(deps, &token::hash_secret(secret), TokenPurpose::VerifyEmail).await?.ok_or_else(invalid_token)?;
    let user = users::mark_email_verified(deps, token.user_id).await?.ok_or_else(invalid_token)?;
    Ok(User::from(&user))
}

/// POST /auth/resend-verification: a fresh link for an unverified account; the same
/// answer for every address.
pub async fn resend_verification(deps: &Deps, email: &str) -> ApiResult<()> {
    let email = Email::parse(email).map_err(|p| ApiError::invalid_field("email", p))?;
    let Some(user) = users::by_email(deps, email.as_str()).await? else {
        return Ok(());
    };
    if user.email_verified {
        return Ok(());
    }
    let (secret, token_item) = verification_token(deps, user.id);
    tokens::put(deps, &token_item).await?;
    let name = display_name(&user);
    enqueue_email(deps, EmailJob::VerifyEmail { to: user.email, name, token: secret }).await?;
    Ok(())
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "Unable to log in with the provided credentials.")
}

/// POST /auth/login.
pub async fn login(deps: &Deps, req: LoginRequest, ip: Option<String>) -> ApiResult<LoginResponse> {
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(&req.email));
    let offered = v.check("password", Password::parse_any(&req.password));
    let device_info = v.check("device_info", parse_device_info(req.device_info.as_deref().unwrap_or_default()));
    v.finish()?;
    let (email, offered, device_info) =
        (email.expect("validated"), offered.expect("validated"), device_info.expect("validated"));

    let user = users::by_email(deps, email.as_str()).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(offered, stored).await? {
        return Err(invalid_credentials());
    }
    let user = user.ok_or_else(invalid_credentials)?;
    if !user.email_verified {
        return Err(ApiError::forbidden(
            "email_not_verified",
            "Verify your email address before logging in. We can send the link again.",
        ));
    }

    let now = deps.clock.now();
    let expires_at = now + deps.config.token_ttl;
    let session = sessions::SessionItem::new(user.id, device_info.clone(), ip.clone(), now, expires_at);
    let first_login = user.last_login.is_none();
    let (_, user, ip_is_new) = tokio::try_join!(
        sessions::put(deps, &session),
        users::record_login(deps, user.id, now),
        remember_ip(deps, user.id, ip.as_deref(), now),
    )?;
    if ip_is_new && !first_login {
        let name = display_name(&user);
        let job =
            EmailJob::NewSignIn { to: user.email.clone(), name, ip: ip.unwrap_or_default(), device_info, at: now };
        enqueue_email(deps, job).await?;
    }
    let token = token::issue(&deps.config, user.id, session.id, now.unix_timestamp(), expires_at.unix_timestamp());
    Ok(LoginResponse { token, expires_at, user: User::from(&user) })
}

/// Records that the user signed in from `ip`; true if it was not seen in the last 90 days.
async fn remember_ip(deps: &Deps, user_id: Uuid, ip: Option<&str>, now: OffsetDateTime) -> ApiResult<bool> {
    let Some(ip) = ip else { return Ok(false) };
    let output = deps
        .dynamo
        .update_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::user(user_id), keys::known_ip(ip))))
        .update_expression("SET last_seen = :now, #ttl = :ttl")
        .expression_attribute_names("#ttl", keys::TTL)
        .expression_attribute_values(":now", crate::store::n(now.unix_timestamp()))
        .expression_attribute_values(":ttl", crate::store::n((now + Duration::days(KNOWN_IP_DAYS)).unix_timestamp()))
        .return_values(ReturnValue::AllOld)
        .send()
        .await?;
    let last_seen = output
        .attributes
        .as_ref()
        .and_then(|a| a.get("last_seen"))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok());
    Ok(match last_seen {
        Some(seen) => now.unix_timestamp() - seen > KNOWN_IP_DAYS * 86_400,
        None => true,
    })
}

/// POST /auth/logout: this session only.
pub async fn logout(deps: &Deps, auth: AuthUser) -> ApiResult<()> {
    sessions::delete(deps, auth.user_id, auth.session_id).await
}

/// POST /auth/logout-all: every session of the user.
pub async fn logout_all(deps: &Deps, auth: AuthUser) -> ApiResult<()> {
    sessions::delete_all(deps, auth.user_id, None).await
}

/// PATCH /auth/me.
pub async fn update_me(deps: &Deps, user: UserItem, req: UpdateMeRequest) -> ApiResult<User> {
    let mut v = Validator::default();
    let first_name = req.first_name.as_deref().map(parse_name).and_then(|r| v.check("first_name", r));
    let last_name = req.last_name.as_deref().map(parse_name).and_then(|r| v.check("last_name", r));
    let username = req.username.as_deref().map(Username::parse).and_then(|r| v.check("username", r));
    v.finish()?;
    let changes = ProfileChanges {
        first_name,
        last_name,
        username: username.map(|u| (u.as_str().to_string(), user.username.clone())),
    };
    match users::update_profile(deps, user.id, changes).await? {
        Ok(updated) => Ok(User::from(&updated)),
        Err(()) => Err(ApiError::conflict("username_taken", "A user with that username already exists.")),
    }
}
