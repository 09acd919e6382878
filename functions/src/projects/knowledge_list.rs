//! GET /api/v1/projects/{id}/knowledge

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::domain::PageQuery;
use shared::AppState;
use shared::http::{Json, Path, Query};
use shared::projects::{self, KnowledgeList};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-knowledge-list", READ, || routes!(handle));

/// The project's knowledge, oldest first (the order the model sees it in).
#[utoipa::path(get, path = "/api/v1/projects/{id}/knowledge", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), PageQuery),
    responses((status = 200, body = KnowledgeList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Query(page): Query<PageQuery>) -> ApiResult<Json<KnowledgeList>> {
    Ok(Json(projects::knowledge_list(&deps, caller.user_id, id, page).await?))
}
