//! PATCH /api/v1/auth/me

use axum::extract::State;
use crate::routes::{Route, ACCOUNT};
use shared::ApiResult;
use shared::auth::CallerUser;
use shared::auth::api::{UpdateMeRequest, User};
use shared::auth::service;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-me-update", ACCOUNT, || routes!(handle));

/// Update names and username. A taken username is 409 `username_taken`.
#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses((status = 200, body = User), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody),
        (status = 404, description = "not_found: `avatar_file_id` names no upload of the caller's", body = shared::error::ErrorBody),
        (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, CallerUser { user, .. }: CallerUser, Json(body): Json<UpdateMeRequest>) -> ApiResult<Json<User>> {
    Ok(Json(service::update_me(&deps, user, body).await?))
}
