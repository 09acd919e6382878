//! POST /api/v1/projects

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{json, parse_json};
use shared::projects::{self, CreateProjectRequest, Project};
use shared::{ApiResult, Deps};

/// Create a project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    request_body = CreateProjectRequest,
    responses((status = 201, body = Project), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: CreateProjectRequest = parse_json(&req)?;
    Ok(json(http::StatusCode::CREATED, &projects::create(deps, auth.user_id, body).await?))
}
