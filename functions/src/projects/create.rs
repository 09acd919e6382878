//! POST /api/v1/projects

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::projects::{self, CreateProjectRequest, Project};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("projects-create", WRITE, || routes!(handle));

/// Create a project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    request_body = CreateProjectRequest,
    responses((status = 201, body = Project), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateProjectRequest>) -> ApiResult<(StatusCode, Json<Project>)> {
    Ok((StatusCode::CREATED, Json(projects::create(&deps, caller.user_id, body).await?)))
}
