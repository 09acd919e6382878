//! DELETE /api/v1/auth/sessions/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::{authenticate, service};
use shared::http::{no_content, path_param};
use shared::{ApiResult, Deps};

/// Revoke one of the caller's sessions (sign a device out). Another user's session is 404.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    service::revoke_session(deps, &auth, &path_param(&req, "id")?).await?;
    Ok(no_content())
}
