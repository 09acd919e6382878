//! POST /api/v1/auth/google

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use shared::ApiResult;
use shared::auth::api::{GoogleLoginResponse, GoogleRequest};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-google", ACCOUNT_MAIL, || routes!(handle)).public();

/// Sign in with Google (`access_token` or `id_token`). Creates a verified account on
/// first use; links to an existing verified account with the same email.
#[utoipa::path(post, path = "/api/v1/auth/google", tag = "auth", request_body = GoogleRequest,
    responses((status = 200, body = GoogleLoginResponse),
        (status = 400, body = shared::error::ErrorBody),
        (status = 401, description = "invalid_google_token", body = shared::error::ErrorBody),
        (status = 403, description = "google_email_not_verified", body = shared::error::ErrorBody),
        (status = 409, description = "account_not_verified", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, Json(body): Json<GoogleRequest>) -> ApiResult<Json<GoogleLoginResponse>> {
    Ok(Json(service::google(&deps, body, ip).await?))
}
