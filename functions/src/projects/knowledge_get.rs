//! GET /api/v1/projects/{id}/knowledge/{kid}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param};
use shared::projects::{self, Knowledge};
use shared::{ApiResult, Deps};

/// One knowledge item.
#[utoipa::path(get, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    responses((status = 200, body = Knowledge), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&projects::knowledge_get(deps, auth.user_id, &path_param(&req, "id")?, &path_param(&req, "kid")?).await?))
}
