//! POST /api/v1/auth/resend-verification

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::auth::api::{EmailRequest, MessageResponse};
use shared::auth::service;
use shared::http::{client_ip, json, parse_json};
use shared::{ApiResult, Deps};

/// Send a new verification link. Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "auth", request_body = EmailRequest,
    responses((status = 202, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 3 an hour per email, 10 an hour per client address", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: EmailRequest = parse_json(&req)?;
    service::resend_verification(deps, &body.email, client_ip(&req)).await?;
    let message = "If an unverified account uses this address, a new verification email is on its way.".into();
    Ok(json(StatusCode::ACCEPTED, &MessageResponse { message }))
}
