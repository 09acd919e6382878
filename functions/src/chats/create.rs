//! POST /api/v1/chats

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{self, api::Chat, api::CreateChatRequest};
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("chats-create", WRITE, || routes!(handle));

/// Start a chat (optionally in a project, with its own system prompt).
#[utoipa::path(post, path = "/api/v1/chats", tag = "chats", security(("bearer" = [])), request_body = CreateChatRequest,
    responses((status = 201, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateChatRequest>) -> ApiResult<(StatusCode, Json<Chat>)> {
    Ok((StatusCode::CREATED, Json(chat::create(&deps, caller.user_id, body).await?)))
}
