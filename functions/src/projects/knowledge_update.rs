//! PATCH /api/v1/projects/{id}/knowledge/{kid}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::projects::{self, Knowledge, UpdateKnowledgeRequest};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-knowledge-update", WRITE, || routes!(handle));

/// Change a knowledge item (400 `knowledge_token_limit` if it would pass the limit).
#[utoipa::path(patch, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    request_body = UpdateKnowledgeRequest,
    responses((status = 200, body = Knowledge), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, kid)): Path<(Uuid, Uuid)>, Json(body): Json<UpdateKnowledgeRequest>) -> ApiResult<Json<Knowledge>> {
    Ok(Json(projects::knowledge_update(&deps, caller.user_id, id, kid, body).await?))
}
