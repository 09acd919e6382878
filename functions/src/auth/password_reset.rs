//! POST /api/v1/auth/password/reset

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::api::{EmailRequest, MessageResponse};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-password-reset", ACCOUNT_MAIL, || routes!(handle)).public();

/// Email a single-use reset link (valid 1 hour). Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = EmailRequest,
    responses((status = 202, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, Json(body): Json<EmailRequest>) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    service::request_password_reset(&deps, &body.email, ip).await?;
    let message = "If an account uses this address, a password reset email is on its way.".into();
    Ok((StatusCode::ACCEPTED, Json(MessageResponse { message })))
}
