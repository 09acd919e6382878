//! POST /api/v1/auth/password/reset/confirm

use lambda_http::{Body, Request, Response};
use shared::auth::api::{MessageResponse, PasswordResetConfirmRequest};
use shared::auth::service;
use shared::http::{ok, parse_json};
use shared::{ApiResult, Deps};

/// Set a new password with the emailed token. Every session is revoked and the lockout cleared.
#[utoipa::path(post, path = "/api/v1/auth/password/reset/confirm", tag = "auth", request_body = PasswordResetConfirmRequest,
    responses((status = 200, body = MessageResponse),
        (status = 400, description = "invalid_token, or fields.new_password", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: PasswordResetConfirmRequest = parse_json(&req)?;
    service::confirm_password_reset(deps, body).await?;
    Ok(ok(&MessageResponse { message: "Your password was reset. Log in with the new password.".into() }))
}
