//! GET /api/v1/design-projects/{id}/groups

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::GroupList;
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-project-groups-list", READ, || routes!(handle));

/// A design project's groups, by position.
#[utoipa::path(get, path = "/api/v1/design-projects/{id}/groups", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id")),
    responses((status = 200, body = GroupList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<GroupList>> {
    Ok(Json(designs::groups(&deps, caller.user_id, id).await?))
}
