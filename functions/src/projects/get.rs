//! GET /api/v1/projects/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param};
use shared::projects::{self, Project};
use shared::{ApiResult, Deps};

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    responses((status = 200, body = Project), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&projects::get(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
