//! POST /api/v1/auth/login

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use shared::ApiResult;
use shared::auth::api::{LoginRequest, LoginResponse};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-login", ACCOUNT_MAIL, || routes!(handle)).public().warming_up(shared::auth::password::warm_up);

/// Log in. Unknown email and wrong password answer identically (401 `invalid_credentials`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
        (status = 401, description = "invalid_credentials", body = shared::error::ErrorBody),
        (status = 403, description = "email_not_verified", body = shared::error::ErrorBody),
        (status = 423, description = "account_locked", body = shared::error::ErrorBody),
        (status = 429, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, Json(body): Json<LoginRequest>) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(service::login(&deps, body, ip).await?))
}
