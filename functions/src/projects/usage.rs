//! GET /api/v1/projects/{id}/usage

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::projects::{self, ProjectUsage};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-usage", READ, || routes!(handle));

/// The tokens the models reported for the project's chats.
#[utoipa::path(get, path = "/api/v1/projects/{id}/usage", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    responses((status = 200, body = ProjectUsage), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<ProjectUsage>> {
    Ok(Json(projects::usage(&deps, caller.user_id, id).await?))
}
