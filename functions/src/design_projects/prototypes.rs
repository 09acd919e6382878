//! GET /api/v1/design-projects/{id}/prototypes

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path, Query};
use shared::prototypes::api::{PrototypeList, PrototypeListQuery};
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-project-prototypes", READ, || routes!(handle));

/// A design project's prototypes (or one group's), newest first.
#[utoipa::path(get, path = "/api/v1/design-projects/{id}/prototypes", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id"), PrototypeListQuery),
    responses((status = 200, body = PrototypeList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Query(query): Query<PrototypeListQuery>) -> ApiResult<Json<PrototypeList>> {
    Ok(Json(pages::list(&deps, caller.user_id, id, query).await?))
}
