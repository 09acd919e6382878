//! PATCH /api/v1/prototypes/{id}

use crate::routes::{Route, WRITE};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::{Prototype, UpdatePrototypeRequest};
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototypes-update", WRITE, || routes!(handle));

/// Rename a prototype, or move it into a group of its design project (null: out of its group).
///
/// A `group_id` that names no group of the prototype's design project (another user's included) is a
/// 400 on `group_id`.
#[utoipa::path(patch, path = "/api/v1/prototypes/{id}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id")),
    request_body = UpdatePrototypeRequest,
    responses((status = 200, body = Prototype), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<UpdatePrototypeRequest>) -> ApiResult<Json<Prototype>> {
    Ok(Json(pages::update(&deps, caller.user_id, id, body).await?))
}
