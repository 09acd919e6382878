//! POST /api/v1/projects/{id}/knowledge/{kid}/toggle

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param};
use shared::projects::{self, Knowledge};
use shared::{ApiResult, Deps};

/// Flip `include_in_chat` (400 `knowledge_token_limit` if including it would pass the limit).
#[utoipa::path(post, path = "/api/v1/projects/{id}/knowledge/{kid}/toggle", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    responses((status = 200, body = Knowledge), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&projects::knowledge_toggle(deps, auth.user_id, &path_param(&req, "id")?, &path_param(&req, "kid")?).await?))
}
