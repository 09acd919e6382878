//! PUT /api/v1/chats/{id}/system-prompt

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{self, api::Chat, api::SystemPromptRequest, api::UpdateChatRequest};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-system-prompt", WRITE, || routes!(handle));

/// Set the chat's own system prompt (for example a saved prompt's text); empty removes it.
#[utoipa::path(put, path = "/api/v1/chats/{id}/system-prompt", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")), request_body = SystemPromptRequest,
    responses((status = 200, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<SystemPromptRequest>) -> ApiResult<Json<Chat>> {
    let change = UpdateChatRequest { system_prompt: Some(Some(body.system_prompt)), ..Default::default() };
    Ok(Json(chat::update(&deps, caller.user_id, id, change).await?))
}
