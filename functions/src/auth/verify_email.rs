//! POST /api/v1/auth/verify-email

use axum::extract::State;
use crate::routes::{Route, ACCOUNT};
use shared::ApiResult;
use shared::auth::api::{VerifyEmailRequest, VerifyEmailResponse};
use shared::auth::service;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-verify-email", ACCOUNT, || routes!(handle)).public();

/// Verify an email address with the single-use token from the email.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = VerifyEmailRequest,
    responses((status = 200, body = VerifyEmailResponse), (status = 400, description = "invalid_token", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, Json(body): Json<VerifyEmailRequest>) -> ApiResult<Json<VerifyEmailResponse>> {
    Ok(Json(service::verify_email(&deps, &body.token).await?))
}
