//! PATCH /api/v1/projects/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, parse_json, path_param};
use shared::projects::{self, Project, UpdateProjectRequest};
use shared::{ApiResult, Deps};

/// Change a project's name, description or instructions.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    request_body = UpdateProjectRequest,
    responses((status = 200, body = Project), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: UpdateProjectRequest = parse_json(&req)?;
    Ok(ok(&projects::update(deps, auth.user_id, &path_param(&req, "id")?, body).await?))
}
