//! PATCH /api/v1/auth/me

use lambda_http::{Body, Request, Response};
use shared::auth::api::{UpdateMeRequest, User};
use shared::auth::{authenticate_user, service};
use shared::http::{ok, parse_json};
use shared::{ApiResult, Deps};

/// Update names and username. A taken username is 409 `username_taken`.
#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), request_body = UpdateMeRequest,
    responses((status = 200, body = User), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody),
        (status = 404, description = "not_found: `avatar_file_id` names no upload of the caller's", body = shared::error::ErrorBody),
        (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let (_, user) = authenticate_user(deps, req.headers()).await?;
    let body: UpdateMeRequest = parse_json(&req)?;
    Ok(ok(&service::update_me(deps, user, body).await?))
}
