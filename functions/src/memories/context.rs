//! GET /api/v1/memories/context

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::TokenCaller;
use shared::http::{Json, Query};
use shared::memory::context::{ContextBody, ContextQuery};
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memories-context", READ, || routes!(handle));

/// The memory text the model would be given for a message, and the memories in it.
///
/// Computed by the same code as the chat stream, for `q` as the first message of a new
/// chat: `context` is byte for byte the `memories` layer of that request's system prompt.
/// Empty when no memory is chosen or the user turned memory off.
#[utoipa::path(get, path = "/api/v1/memories/context", tag = "memories", security(("bearer" = [])),
    params(ContextQuery),
    responses((status = 200, body = ContextBody), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(
    State(deps): State<AppState>,
    caller: TokenCaller,
    Query(query): Query<ContextQuery>,
) -> ApiResult<Json<ContextBody>> {
    Ok(Json(shared::memory::context::for_query(&deps, &caller, query).await?))
}
