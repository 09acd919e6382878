//! POST /api/v1/design-projects/{id}/groups

use crate::routes::{Route, WRITE};
use axum::extract::State;
use http::StatusCode;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::{CreateGroupRequest, Group};
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-project-groups-create", WRITE, || routes!(handle));

/// Add a group to a design project.
#[utoipa::path(post, path = "/api/v1/design-projects/{id}/groups", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id")),
    request_body = CreateGroupRequest,
    responses((status = 201, body = Group), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<CreateGroupRequest>) -> ApiResult<(StatusCode, Json<Group>)> {
    Ok((StatusCode::CREATED, Json(designs::create_group(&deps, caller.user_id, id, body).await?)))
}
