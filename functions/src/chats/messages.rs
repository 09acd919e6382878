//! GET /api/v1/chats/{id}/messages

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{api::PairList, messages};
use shared::domain::PageQuery;
use shared::AppState;
use shared::http::{Json, Path, Query};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-messages", READ, || routes!(handle));

/// The chat's message pairs, oldest first. A pair being answered shows the text so far.
#[utoipa::path(get, path = "/api/v1/chats/{id}/messages", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"),
        PageQuery),
    responses((status = 200, body = PairList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Query(page): Query<PageQuery>) -> ApiResult<Json<PairList>> {
    Ok(Json(messages::list(&deps, caller.user_id, id, page).await?))
}
