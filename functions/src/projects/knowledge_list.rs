//! GET /api/v1/projects/{id}/knowledge

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param, query_param};
use shared::projects::{self, KnowledgeList};
use shared::{ApiResult, Deps};

/// The project's knowledge, oldest first (the order the model sees it in).
#[utoipa::path(get, path = "/api/v1/projects/{id}/knowledge", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = KnowledgeList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&projects::knowledge_list(
        deps,
        auth.user_id,
        &path_param(&req, "id")?,
        query_param(&req, "limit"),
        query_param(&req, "cursor"),
    )
    .await?))
}
