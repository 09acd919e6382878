//! GET /api/v1/projects/{id}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::projects::{self, Project};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-get", READ, || routes!(handle));

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id")),
    responses((status = 200, body = Project), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Project>> {
    Ok(Json(projects::get(&deps, caller.user_id, id).await?))
}
