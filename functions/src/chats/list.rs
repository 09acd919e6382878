//! GET /api/v1/chats

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::ChatListQuery;
use shared::chat::{self, api::ChatList};
use shared::AppState;
use shared::http::{Json, Query};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("chats-list", READ, || routes!(handle));

/// The caller's chats, most recently updated first.
#[utoipa::path(get, path = "/api/v1/chats", tag = "chats", security(("bearer" = [])),
    params(ChatListQuery),
    responses((status = 200, body = ChatList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(query): Query<ChatListQuery>) -> ApiResult<Json<ChatList>> {
    Ok(Json(chat::list(&deps, caller.user_id, query).await?))
}
