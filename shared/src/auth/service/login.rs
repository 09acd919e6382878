//! Signing in and out: password login (rate limits, lockout), Google sign-in,
//! sessions and new-IP notices.

use super::account::create_account;
use super::{display_name, invalid_credentials};
use crate::auth::api::{GoogleLoginResponse, GoogleRequest, LoginRequest, LoginResponse, Session, SessionList};
use crate::auth::{google, lockout, password, token, AuthUser};
use crate::domain::{parse_device_info, provided_name, Email, Password, Username, Validator};
use crate::error::{ApiError, ApiResult};
use crate::mail::EmailJob;
use crate::queue::enqueue_email;
use crate::ratelimit::{self, LOGIN_PER_EMAIL, LOGIN_PER_IP};
use crate::store::users::{self, UserItem};
use crate::store::{credentials, sessions, throttle};
use crate::Deps;
use futures::TryFutureExt;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The answer to a sign-in (with the right password, or Google) to a disabled account.
pub fn account_disabled() -> ApiError {
    ApiError::forbidden("account_disabled", "This account is disabled. Contact the service's operator.")
}

/// A login from an IP not seen for this long counts as new.
const KNOWN_IP_DAYS: i64 = 90;

/// POST /auth/login. An unknown email costs the same as a known one: one credential
/// read, one (dummy) hash verification, one failure count.
pub async fn login(deps: &Deps, req: LoginRequest, ip: Option<String>) -> ApiResult<LoginResponse> {
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(&req.email));
    let offered = v.check("password", Password::parse_any(&req.password));
    let device_info = v.check("device_info", parse_device_info(req.device_info.as_deref().unwrap_or_default()));
    v.finish()?;
    let (email, offered, device_info) =
        (email.expect("validated"), offered.expect("validated"), device_info.expect("validated"));
    ratelimit::check(deps, &[(LOGIN_PER_IP, ip.as_deref()), (LOGIN_PER_EMAIL, Some(email.as_str()))]).await?;

    let (credential, failures) = tokio::try_join!(
        credentials::get(&deps.table, email.as_str()),
        throttle::login_failures(&deps.table, email.as_str())
    )?;
    lockout::check(deps, &failures)?;
    let stored = credential.as_ref().and_then(|c| c.password_hash.clone());
    if !password::verify(offered, stored).await? {
        return Err(lockout::record_failure(deps, email.as_str(), invalid_credentials()).await?);
    }
    let credential = credential.ok_or_else(invalid_credentials)?;
    let clear_failures = async {
        if failures.failures > 0 {
            lockout::clear(deps, email.as_str()).await?;
        }
        Ok(())
    };
    let (user, ()) =
        tokio::try_join!(users::get(&deps.table, credential.user_id).err_into::<ApiError>(), clear_failures)?;
    let user = user.ok_or_else(invalid_credentials)?;
    if !user.email_verified {
        return Err(ApiError::forbidden(
            "email_not_verified",
            "Verify your email address before logging in. We can send the link again.",
        ));
    }
    start_session(deps, user, device_info, ip).await
}

/// A new session and its access token: `(token, expires_at, session id)`.
pub(super) async fn new_session(
    deps: &Deps,
    user_id: Uuid,
    device_info: String,
    ip: Option<String>,
) -> ApiResult<(String, OffsetDateTime, Uuid)> {
    let now = deps.clock.now();
    let expires_at = now + deps.config.token_ttl;
    let session = sessions::SessionItem::new(user_id, device_info, ip, now, expires_at);
    sessions::put(&deps.table, &session).await?;
    let token = token::issue(&deps.config, user_id, session.id, now.unix_timestamp(), expires_at.unix_timestamp());
    Ok((token, expires_at, session.id))
}

/// Signs in a user who proved who they are: a session, `last_login`, and a notice
/// when the IP is new for them.
async fn start_session(
    deps: &Deps,
    user: UserItem,
    device_info: String,
    ip: Option<String>,
) -> ApiResult<LoginResponse> {
    if user.disabled_at.is_some() {
        return Err(account_disabled());
    }
    let now = deps.clock.now();
    let first_login = user.last_login.is_none();
    let ((token, expires_at, _), user, ip_is_new) = tokio::try_join!(
        new_session(deps, user.id, device_info.clone(), ip.clone()),
        users::record_login(&deps.table, user.id, now).err_into::<ApiError>(),
        remember_ip(deps, user.id, ip.as_deref(), now),
    )?;
    if ip_is_new && !first_login {
        let name = display_name(&user);
        let job =
            EmailJob::NewSignIn { to: user.email.clone(), name, ip: ip.unwrap_or_default(), device_info, at: now };
        enqueue_email(deps, job).await?;
    }
    Ok(LoginResponse { token, expires_at, user: super::user_view(deps, &user).await? })
}

/// Records that the user signed in from `ip`; true if it was not seen in the last 90 days.
async fn remember_ip(deps: &Deps, user_id: Uuid, ip: Option<&str>, now: OffsetDateTime) -> ApiResult<bool> {
    let Some(ip) = ip else { return Ok(false) };
    let forget_at = (now + Duration::days(KNOWN_IP_DAYS)).unix_timestamp();
    Ok(match users::record_sign_in_ip(&deps.table, user_id, ip, now.unix_timestamp(), forget_at).await? {
        Some(seen) => now.unix_timestamp() - seen > KNOWN_IP_DAYS * 86_400,
        None => true,
    })
}

/// POST /auth/google: sign in (or up) with Google. A new email gets a verified
/// account; an existing verified account is linked; an unverified one never is (its
/// password was never proven to belong to the address's owner).
pub async fn google(deps: &Deps, req: GoogleRequest, ip: Option<String>) -> ApiResult<GoogleLoginResponse> {
    let device_info = parse_device_info(req.device_info.as_deref().unwrap_or_default())
        .map_err(|p| ApiError::invalid_field("device_info", p))?;
    let nonempty = |t: &Option<String>| t.as_deref().filter(|t| !t.is_empty()).map(str::to_string);
    let identity = match (nonempty(&req.access_token), nonempty(&req.id_token)) {
        // Google's tokens are printable ASCII; anything else was never issued by it (and
        // could not be sent to it in a header).
        (Some(access_token), None) if !google::plausible_token(&access_token) => {
            return Err(google::invalid_google_token())
        }
        (Some(access_token), None) => google::from_access_token(deps, &access_token).await?,
        (None, Some(id_token)) => google::from_id_token(deps, &id_token).await?,
        _ => return Err(ApiError::invalid_request("Send exactly one of access_token or id_token.")),
    };
    if !identity.email_verified {
        return Err(ApiError::forbidden(
            "google_email_not_verified",
            "Google has not verified this account's email address.",
        ));
    }
    let email = Email::parse(&identity.email).map_err(ApiError::invalid_request)?;
    let (linked, credential) = tokio::try_join!(
        credentials::google_link(&deps.table, &identity.sub),
        credentials::get(&deps.table, email.as_str())
    )?;
    let linked_user = match linked {
        Some(user_id) => users::get(&deps.table, user_id).await?,
        None => None,
    };
    let (user, created) = match (linked_user, credential) {
        (Some(user), _) => (user, false),
        (None, Some(credential)) => {
            let user = users::get(&deps.table, credential.user_id).await?.ok_or_else(ApiError::unauthenticated)?;
            if !user.email_verified {
                return Err(ApiError::conflict(
                    "account_not_verified",
                    "An account with this email exists but its address was never verified. Verify it from the email we sent (or reset the password), then sign in with Google.",
                ));
            }
            credentials::link_google(&deps.table, &identity.sub, user.id).await?;
            let notice =
                EmailJob::GoogleLinked { to: user.email.clone(), name: display_name(&user), at: deps.clock.now() };
            enqueue_email(deps, notice).await?;
            (user, false)
        }
        (None, None) => {
            let mut user = UserItem::new(
                Uuid::now_v7(),
                email.to_string(),
                Username::from_email(&email).as_str().into(),
                deps.clock.now(),
            );
            user.first_name = provided_name(&identity.given_name);
            user.last_name = provided_name(&identity.family_name);
            user.email_verified = true;
            user.google_sub = Some(identity.sub.clone());
            let link = credentials::google_link_item(&identity.sub, user.id);
            match create_account(deps, user, None, vec![link]).await? {
                Some(user) => (user, true),
                None => return Err(ApiError::conflict("conflict", "The account was created concurrently; try again.")),
            }
        }
    };
    let login = start_session(deps, user, device_info, ip).await?;
    Ok(GoogleLoginResponse { token: login.token, expires_at: login.expires_at, user: login.user, created })
}

/// POST /auth/logout: this session only.
pub async fn logout(deps: &Deps, auth: &AuthUser) -> ApiResult<()> {
    sessions::delete(&deps.table, auth.user_id, auth.session_id).await?;
    Ok(())
}

/// POST /auth/logout-all: every session of the user.
pub async fn logout_all(deps: &Deps, auth: &AuthUser) -> ApiResult<()> {
    Ok(sessions::delete_all(&deps.table, auth.user_id, None).await?)
}

/// GET /auth/sessions: the caller's live sessions, newest first.
pub async fn list_sessions(deps: &Deps, auth: &AuthUser) -> ApiResult<SessionList> {
    let items = sessions::list_live(&deps.table, auth.user_id, deps.clock.now())
        .await?
        .into_iter()
        .map(|s| Session {
            current: s.id == auth.session_id,
            id: s.id,
            device_info: s.device_info,
            ip: s.ip,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
        })
        .collect();
    Ok(SessionList { items, next_cursor: None })
}

/// DELETE /auth/sessions/{id}: revokes one of the caller's sessions.
pub async fn revoke_session(deps: &Deps, auth: &AuthUser, session_id: Uuid) -> ApiResult<()> {
    if sessions::delete(&deps.table, auth.user_id, session_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}
