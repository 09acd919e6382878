//! GET /api/v1/auth/sessions

use lambda_http::{Body, Request, Response};
use shared::auth::api::SessionList;
use shared::auth::{authenticate, service};
use shared::http::ok;
use shared::{ApiResult, Deps};

/// The caller's signed-in sessions (devices), newest first; `current` marks this one.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&service::list_sessions(deps, &auth).await?))
}
