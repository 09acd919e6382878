//! POST /api/v1/projects/{id}/knowledge

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::projects::{self, CreateKnowledgeRequest, Knowledge};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-knowledge-create", WRITE, || routes!(handle));

/// Add knowledge; its tokens count against the project's limit when included in chat (400 `knowledge_token_limit`).
#[utoipa::path(post, path = "/api/v1/projects/{id}/knowledge", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    request_body = CreateKnowledgeRequest,
    responses((status = 201, body = Knowledge), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<CreateKnowledgeRequest>) -> ApiResult<(StatusCode, Json<Knowledge>)> {
    Ok((StatusCode::CREATED, Json(projects::knowledge_create(&deps, caller.user_id, id, body).await?)))
}
