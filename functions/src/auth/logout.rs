//! POST /api/v1/auth/logout

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::auth::service;
use shared::AppState;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-logout", WRITE, || routes!(handle));

/// Revoke the token of this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser) -> ApiResult<StatusCode> {
    service::logout(&deps, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}
