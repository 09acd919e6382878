//! GET /api/v1/auth/sessions

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::auth::api::SessionList;
use shared::auth::service;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-sessions-list", READ, || routes!(handle));

/// The caller's signed-in sessions (devices), newest first; `current` marks this one.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser) -> ApiResult<Json<SessionList>> {
    Ok(Json(service::list_sessions(&deps, &caller).await?))
}
