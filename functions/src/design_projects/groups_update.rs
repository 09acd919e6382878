//! PATCH /api/v1/design-projects/{id}/groups/{gid}

use crate::routes::{Route, WRITE};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::{Group, UpdateGroupRequest};
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-project-groups-update", WRITE, || routes!(handle));

/// Rename a group, change its description or move it.
#[utoipa::path(patch, path = "/api/v1/design-projects/{id}/groups/{gid}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id"), ("gid" = uuid::Uuid, Path, description = "Group id")),
    request_body = UpdateGroupRequest,
    responses((status = 200, body = Group), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, gid)): Path<(Uuid, Uuid)>, Json(body): Json<UpdateGroupRequest>) -> ApiResult<Json<Group>> {
    Ok(Json(designs::update_group(&deps, caller.user_id, id, gid, body).await?))
}
