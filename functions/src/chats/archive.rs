//! POST /api/v1/chats/{id}/archive

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{self, api::Chat, api::UpdateChatRequest};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-archive", WRITE, || routes!(handle));

/// Set the chat's archived state to true.
#[utoipa::path(post, path = "/api/v1/chats/{id}/archive", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = Chat), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Chat>> {
    let change = UpdateChatRequest { archived: Some(true), ..Default::default() };
    Ok(Json(chat::update(&deps, caller.user_id, id, change).await?))
}
