//! GET /api/v1/import/{id}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::portability::{self, api::Import};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("imports-get", READ, || routes!(handle));

/// Where an import is: its status, what it brought in so far, and the conversations it
/// skipped (or why it failed).
#[utoipa::path(get, path = "/api/v1/import/{id}", tag = "portability", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Import id")),
    responses((status = 200, body = Import), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Import>> {
    Ok(Json(portability::get_import(&deps, caller.user_id, id).await?))
}
