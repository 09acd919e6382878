//! GET /api/v1/memory-tags

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::memory::api::MemoryTagList;
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memory-tags-list", READ, || routes!(handle));

/// Every tag of the caller's, by name, with how many memories hold it.
#[utoipa::path(get, path = "/api/v1/memory-tags", tag = "memories", security(("bearer" = [])),
    responses((status = 200, body = MemoryTagList), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser) -> ApiResult<Json<MemoryTagList>> {
    Ok(Json(curation::tags(&deps, caller.user_id).await?))
}
