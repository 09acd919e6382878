//! GET /api/v1/memories/stats

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::memory::api::MemoryStats;
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memories-stats", READ, || routes!(handle));

/// How many memories the caller has: in all, active, verified, per category, and the most used tags.
#[utoipa::path(get, path = "/api/v1/memories/stats", tag = "memories", security(("bearer" = [])),
    responses((status = 200, body = MemoryStats), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser) -> ApiResult<Json<MemoryStats>> {
    Ok(Json(curation::stats(&deps, caller.user_id).await?))
}
