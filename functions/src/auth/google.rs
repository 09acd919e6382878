//! POST /api/v1/auth/google

use lambda_http::{Body, Request, Response};
use shared::auth::api::{GoogleLoginResponse, GoogleRequest};
use shared::auth::service;
use shared::http::{client_ip, ok, parse_json};
use shared::{ApiResult, Deps};

/// Sign in with Google (`access_token` or `id_token`). Creates a verified account on
/// first use; links to an existing verified account with the same email.
#[utoipa::path(post, path = "/api/v1/auth/google", tag = "auth", request_body = GoogleRequest,
    responses((status = 200, body = GoogleLoginResponse),
        (status = 400, body = shared::error::ErrorBody),
        (status = 401, description = "invalid_google_token", body = shared::error::ErrorBody),
        (status = 403, description = "google_email_not_verified", body = shared::error::ErrorBody),
        (status = 409, description = "account_not_verified", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: GoogleRequest = parse_json(&req)?;
    Ok(ok(&service::google(deps, body, client_ip(&req)).await?))
}
