//! Accounts and sign-in: password hashing, tokens, sessions, and the auth services
//! behind the `/auth` routes.

pub mod api;
pub mod google;
pub mod jwt_crypto;
pub mod lockout;
pub mod password;
pub mod service;
pub mod token;

use crate::error::{ApiError, ApiResult};
use crate::store::{sessions, users};
use crate::AppState;
use crate::Deps;
use axum::extract::FromRequestParts;
use http::request::Parts;
use http::HeaderMap;
use uuid::Uuid;

/// The caller of an authenticated route, as proven by a live session.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub device_info: String,
}

/// `last_used_at` of a session is refreshed at most this often (seconds).
const TOUCH_EVERY_SECS: i64 = 300;

/// Turns a live session into the caller, refreshing its `last_used_at` when stale.
async fn caller(deps: &Deps, session: sessions::SessionItem) -> ApiResult<AuthUser> {
    let now = deps.clock.now();
    let stale = session.last_used_at.is_none_or(|at| (now - at).whole_seconds() >= TOUCH_EVERY_SECS);
    if stale {
        sessions::touch(&deps.table, session.user_id, session.id, now).await?;
    }
    Ok(AuthUser { user_id: session.user_id, session_id: session.id, device_info: session.device_info })
}

fn claims(deps: &Deps, headers: &HeaderMap) -> ApiResult<token::Claims> {
    let token = crate::http::auth_token(headers).ok_or_else(ApiError::unauthenticated)?;
    token::verify(&deps.config, token, deps.clock.unix()).ok_or_else(ApiError::unauthenticated)
}

/// A caller whose token is valid; its session is still to be checked. Lets a handler
/// start the reads it needs (under `user_id`) while the session is checked, and
/// answer only once both are done.
#[derive(Clone, Debug)]
pub struct TokenCaller {
    pub user_id: Uuid,
    session_id: Uuid,
}

impl TokenCaller {
    /// Checks the bearer token (no I/O).
    pub fn from_headers(deps: &Deps, headers: &HeaderMap) -> ApiResult<Self> {
        let claims = claims(deps, headers)?;
        Ok(Self { user_id: claims.sub, session_id: claims.sid })
    }

    /// Checks that the token's session is still live; 401 otherwise.
    pub async fn verify_session(&self, deps: &Deps) -> ApiResult<AuthUser> {
        let session = sessions::get_live(&deps.table, self.user_id, self.session_id, deps.clock.now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        caller(deps, session).await
    }
}

/// Checks the bearer token and that its session is still live (not logged out, not
/// revoked by a password change, not expired).
pub async fn authenticate(deps: &Deps, headers: &HeaderMap) -> ApiResult<AuthUser> {
    TokenCaller::from_headers(deps, headers)?.verify_session(deps).await
}

/// The caller with its user item: the session and the user are read concurrently.
pub struct CallerUser {
    pub auth: AuthUser,
    pub user: users::UserItem,
}

/// Like `authenticate`, also loading the user; both reads run concurrently.
pub async fn authenticate_user(deps: &Deps, headers: &HeaderMap) -> ApiResult<CallerUser> {
    let claims = claims(deps, headers)?;
    let (session, user) = tokio::try_join!(
        sessions::get_live(&deps.table, claims.sub, claims.sid, deps.clock.now()),
        users::get(&deps.table, claims.sub)
    )?;
    match (session, user) {
        (Some(session), Some(user)) => Ok(CallerUser { auth: caller(deps, session).await?, user }),
        _ => Err(ApiError::unauthenticated()),
    }
}

/// Extractors: the caller of an authenticated route (401 without a live session).
impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &AppState) -> ApiResult<Self> {
        authenticate(deps, &parts.headers).await
    }
}

impl FromRequestParts<AppState> for CallerUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &AppState) -> ApiResult<Self> {
        authenticate_user(deps, &parts.headers).await
    }
}

/// Only the token is checked (no I/O); the handler checks the session alongside its
/// own reads.
impl FromRequestParts<AppState> for TokenCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &AppState) -> ApiResult<Self> {
        TokenCaller::from_headers(deps, &parts.headers)
    }
}
