//! POST /api/v1/auth/logout-all

use lambda_http::{Body, Request, Response};
use shared::auth::{authenticate, service};
use shared::http::no_content;
use shared::{ApiResult, Deps};

/// Revoke every token of the user.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    service::logout_all(deps, &auth).await?;
    Ok(no_content())
}
