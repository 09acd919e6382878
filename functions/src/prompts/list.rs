//! GET /api/v1/prompts

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::domain::PageQuery;
use shared::AppState;
use shared::http::{Json, Query};
use shared::prompts::{self, PromptList};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("prompts-list", READ, || routes!(handle));

/// The caller's saved system prompts, newest first.
#[utoipa::path(get, path = "/api/v1/prompts", tag = "prompts", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = PromptList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(page): Query<PageQuery>) -> ApiResult<Json<PromptList>> {
    Ok(Json(prompts::list(&deps, caller.user_id, page).await?))
}
