//! GET /api/v1/projects/{id}/chats

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path, Query};
use shared::projects::ProjectChatsQuery;
use shared::projects;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("projects-chats", READ, || routes!(handle));

/// The project's chats, most recently updated first (same filters as `GET /chats`).
#[utoipa::path(get, path = "/api/v1/projects/{id}/chats", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"),
        ProjectChatsQuery),
    responses((status = 200, body = shared::chat::api::ChatList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Query(query): Query<ProjectChatsQuery>) -> ApiResult<Json<shared::chat::api::ChatList>> {
    Ok(Json(projects::chats(&deps, caller.user_id, id, query).await?))
}
