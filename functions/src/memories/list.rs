//! GET /api/v1/memories

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Query};
use shared::memory::api::{MemoryList, MemoryListQuery};
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memories-list", READ, || routes!(handle));

/// The caller's memories, newest first, filtered by category, tag, active and verified.
#[utoipa::path(get, path = "/api/v1/memories", tag = "memories", security(("bearer" = [])),
    params(MemoryListQuery),
    responses((status = 200, body = MemoryList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(query): Query<MemoryListQuery>) -> ApiResult<Json<MemoryList>> {
    Ok(Json(curation::list(&deps, caller.user_id, query).await?))
}
