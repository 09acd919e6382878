//! POST /api/v1/auth/resend-verification

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::api::{EmailRequest, MessageResponse};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-resend-verification", ACCOUNT_MAIL, || routes!(handle)).public();

/// Send a new verification link. Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth", request_body = EmailRequest,
    responses((status = 202, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 3 an hour per email, 10 an hour per client address", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, Json(body): Json<EmailRequest>) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    service::resend_verification(&deps, &body.email, ip).await?;
    let message = "If an unverified account uses this address, a new verification email is on its way.".into();
    Ok((StatusCode::ACCEPTED, Json(MessageResponse { message })))
}
