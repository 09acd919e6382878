//! Accounts and sign-in: password hashing, tokens, sessions, and the auth services
//! behind the `/auth` routes.

pub mod api;
pub mod password;
pub mod service;
pub mod token;

use crate::error::{ApiError, ApiResult};
use crate::store::{sessions, users};
use crate::Deps;
use http::HeaderMap;
use uuid::Uuid;

/// The caller of an authenticated route, as proven by a live session.
#[derive(Clone, Copy, Debug)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

fn claims(deps: &Deps, headers: &HeaderMap) -> ApiResult<token::Claims> {
    let token = crate::http::auth_token(headers).ok_or_else(ApiError::unauthenticated)?;
    token::verify(&deps.config, token, deps.clock.unix()).ok_or_else(ApiError::unauthenticated)
}

/// Checks the bearer token and that its session is still live (not logged out, not
/// revoked by a password change, not expired).
pub async fn authenticate(deps: &Deps, headers: &HeaderMap) -> ApiResult<AuthUser> {
    let claims = claims(deps, headers)?;
    sessions::get_live(deps, claims.sub, claims.sid).await?.ok_or_else(ApiError::unauthenticated)?;
    Ok(AuthUser { user_id: claims.sub, session_id: claims.sid })
}

/// Like `authenticate`, also loading the user; both reads run concurrently.
pub async fn authenticate_user(deps: &Deps, headers: &HeaderMap) -> ApiResult<(AuthUser, users::UserItem)> {
    let claims = claims(deps, headers)?;
    let (session, user) =
        tokio::try_join!(sessions::get_live(deps, claims.sub, claims.sid), users::get(deps, claims.sub))?;
    match (session, user) {
        (Some(_), Some(user)) => Ok((AuthUser { user_id: claims.sub, session_id: claims.sid }, user)),
        _ => Err(ApiError::unauthenticated()),
    }
}
