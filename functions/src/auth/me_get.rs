//! GET /api/v1/auth/me

use axum::extract::State;
use crate::routes::{Route, PROFILE_READ};
use shared::ApiResult;
use shared::auth::CallerUser;
use shared::auth::api::User;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-me-get", PROFILE_READ, || routes!(handle));

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, CallerUser { user, .. }: CallerUser) -> ApiResult<Json<User>> {
    Ok(Json(shared::auth::service::user_view(&deps, &user).await?))
}
