//! POST /api/v1/auth/password/change

use lambda_http::{Body, Request, Response};
use shared::auth::api::{PasswordChangeRequest, TokenResponse};
use shared::auth::{authenticate_user, service};
use shared::http::{client_ip, ok, parse_json};
use shared::{ApiResult, Deps};

/// Change the password. Answers with a fresh token; every other token is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password/change", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses((status = 200, body = TokenResponse),
        (status = 400, description = "fields.current_password or fields.new_password", body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 5 wrong current passwords (here or on DELETE /auth/me) within 15 minutes", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let (auth, user) = authenticate_user(deps, req.headers()).await?;
    let body: PasswordChangeRequest = parse_json(&req)?;
    Ok(ok(&service::change_password(deps, &auth, user, body, client_ip(&req)).await?))
}
