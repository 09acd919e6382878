//! POST /api/v1/auth/password/reset

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::auth::api::{EmailRequest, MessageResponse};
use shared::auth::service;
use shared::http::{client_ip, json, parse_json};
use shared::{ApiResult, Deps};

/// Email a single-use reset link (valid 1 hour). Always 202, whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = EmailRequest,
    responses((status = 202, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: EmailRequest = parse_json(&req)?;
    service::request_password_reset(deps, &body.email, client_ip(&req)).await?;
    let message = "If an account uses this address, a password reset email is on its way.".into();
    Ok(json(StatusCode::ACCEPTED, &MessageResponse { message }))
}
