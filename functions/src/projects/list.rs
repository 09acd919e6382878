//! GET /api/v1/projects

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::domain::PageQuery;
use shared::AppState;
use shared::http::{Json, Query};
use shared::projects::{self, ProjectList};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("projects-list", READ, || routes!(handle));

/// The caller's projects, newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = ProjectList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(page): Query<PageQuery>) -> ApiResult<Json<ProjectList>> {
    Ok(Json(projects::list(&deps, caller.user_id, page).await?))
}
