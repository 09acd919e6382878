//! POST /api/v1/auth/login

use lambda_http::{Body, Request, Response};
use shared::auth::api::{LoginRequest, LoginResponse};
use shared::auth::service;
use shared::http::{client_ip, ok, parse_json};
use shared::{ApiResult, Deps};

/// Log in. Unknown email and wrong password answer identically (401 `invalid_credentials`).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse),
        (status = 401, description = "invalid_credentials", body = shared::error::ErrorBody),
        (status = 403, description = "email_not_verified", body = shared::error::ErrorBody),
        (status = 423, description = "account_locked", body = shared::error::ErrorBody),
        (status = 429, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: LoginRequest = parse_json(&req)?;
    Ok(ok(&service::login(deps, body, client_ip(&req)).await?))
}
