//! POST /api/v1/auth/verify-email

use lambda_http::{Body, Request, Response};
use shared::auth::api::{VerifyEmailRequest, VerifyEmailResponse};
use shared::auth::service;
use shared::http::{ok, parse_json};
use shared::{ApiResult, Deps};

/// Verify an email address with the single-use token from the email.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = VerifyEmailRequest,
    responses((status = 200, body = VerifyEmailResponse), (status = 400, description = "invalid_token", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: VerifyEmailRequest = parse_json(&req)?;
    Ok(ok(&service::verify_email(deps, &body.token).await?))
}
