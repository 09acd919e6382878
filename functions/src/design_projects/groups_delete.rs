//! DELETE /api/v1/design-projects/{id}/groups/{gid}

use crate::routes::{Route, WRITE};
use axum::extract::State;
use http::StatusCode;
use shared::auth::AuthUser;
use shared::http::Path;
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-project-groups-delete", WRITE, || routes!(handle));

/// Delete a group; its prototypes stay, ungrouped.
#[utoipa::path(delete, path = "/api/v1/design-projects/{id}/groups/{gid}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id"), ("gid" = uuid::Uuid, Path, description = "Group id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, gid)): Path<(Uuid, Uuid)>) -> ApiResult<StatusCode> {
    designs::delete_group(&deps, caller.user_id, id, gid).await?;
    Ok(StatusCode::NO_CONTENT)
}
