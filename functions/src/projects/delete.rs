//! DELETE /api/v1/projects/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{no_content, path_param};
use shared::projects;
use shared::{ApiResult, Deps};

/// Delete a project and its knowledge; its chats stay, detached.
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    projects::delete(deps, auth.user_id, &path_param(&req, "id")?).await?;
    Ok(no_content())
}
