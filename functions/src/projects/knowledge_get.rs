//! GET /api/v1/projects/{id}/knowledge/{kid}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::projects::{self, Knowledge};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-knowledge-get", READ, || routes!(handle));

/// One knowledge item.
#[utoipa::path(get, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    responses((status = 200, body = Knowledge), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, kid)): Path<(Uuid, Uuid)>) -> ApiResult<Json<Knowledge>> {
    Ok(Json(projects::knowledge_get(&deps, caller.user_id, id, kid).await?))
}
