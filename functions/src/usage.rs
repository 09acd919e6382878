//! GET /api/v1/usage

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::api::UsageReport;
use shared::AppState;
use shared::http::{Json, Query};
use shared::usage::UsageQuery;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("usage-get", READ, || routes!(handle));

/// The tokens the models reported for the caller's messages, per day (UTC) and per
/// model, deleted chats included.
#[utoipa::path(get, path = "/api/v1/usage", tag = "usage", security(("bearer" = [])),
    params(UsageQuery),
    responses((status = 200, body = UsageReport), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(query): Query<UsageQuery>) -> ApiResult<Json<UsageReport>> {
    Ok(Json(shared::usage::report(&deps, caller.user_id, query).await?))
}
