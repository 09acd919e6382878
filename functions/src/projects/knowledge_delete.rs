//! DELETE /api/v1/projects/{id}/knowledge/{kid}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Path;
use shared::projects;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-knowledge-delete", WRITE, || routes!(handle));

/// Delete a knowledge item.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/knowledge/{kid}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"), ("kid" = uuid::Uuid, Path, description = "Knowledge item id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, kid)): Path<(Uuid, Uuid)>) -> ApiResult<StatusCode> {
    projects::knowledge_delete(&deps, caller.user_id, id, kid).await?;
    Ok(StatusCode::NO_CONTENT)
}
