//! POST /api/v1/projects/{id}/knowledge

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{json, parse_json, path_param};
use shared::projects::{self, CreateKnowledgeRequest, Knowledge};
use shared::{ApiResult, Deps};

/// Add knowledge; its tokens count against the project's limit when included in chat (400 `knowledge_token_limit`).
#[utoipa::path(post, path = "/api/v1/projects/{id}/knowledge", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    request_body = CreateKnowledgeRequest,
    responses((status = 201, body = Knowledge), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: CreateKnowledgeRequest = parse_json(&req)?;
    Ok(json(
        http::StatusCode::CREATED,
        &projects::knowledge_create(deps, auth.user_id, &path_param(&req, "id")?, body).await?,
    ))
}
