//! DELETE /api/v1/projects/{id}/knowledge/{kid}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{no_content, path_param};
use shared::projects;
use shared::{ApiResult, Deps};

/// Delete a knowledge item.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    projects::knowledge_delete(deps, auth.user_id, &path_param(&req, "id")?, &path_param(&req, "kid")?).await?;
    Ok(no_content())
}
