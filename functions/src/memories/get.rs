//! GET /api/v1/memories/{id}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::memory::api::Memory;
use shared::memory::curation;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("memories-get", READ, || routes!(handle));

/// One memory of the caller's (another user's is 404).
#[utoipa::path(get, path = "/api/v1/memories/{id}", tag = "memories", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Memory id")),
    responses((status = 200, body = Memory), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Memory>> {
    Ok(Json(curation::get(&deps, caller.user_id, id).await?))
}
