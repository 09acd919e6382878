//! PATCH /api/v1/projects/{id}/knowledge/{kid}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, parse_json, path_param};
use shared::projects::{self, Knowledge, UpdateKnowledgeRequest};
use shared::{ApiResult, Deps};

/// Change a knowledge item (400 `knowledge_token_limit` if it would pass the limit).
#[utoipa::path(patch, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    request_body = UpdateKnowledgeRequest,
    responses((status = 200, body = Knowledge), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: UpdateKnowledgeRequest = parse_json(&req)?;
    Ok(ok(&projects::knowledge_update(deps, auth.user_id, &path_param(&req, "id")?, &path_param(&req, "kid")?, body)
        .await?))
}
