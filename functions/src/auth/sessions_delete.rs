//! DELETE /api/v1/auth/sessions/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::auth::service;
use shared::AppState;
use shared::http::Path;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("auth-sessions-delete", WRITE, || routes!(handle));

/// Revoke one of the caller's sessions (sign a device out). Another user's session is 404.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    service::revoke_session(&deps, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
