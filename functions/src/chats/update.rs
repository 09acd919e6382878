//! PATCH /api/v1/chats/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{self, api::Chat, api::UpdateChatRequest};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-update", WRITE, || routes!(handle));

/// Change a chat's title, system prompt, project or archived state.
#[utoipa::path(patch, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")), request_body = UpdateChatRequest,
    responses((status = 200, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<UpdateChatRequest>) -> ApiResult<Json<Chat>> {
    Ok(Json(chat::update(&deps, caller.user_id, id, body).await?))
}
