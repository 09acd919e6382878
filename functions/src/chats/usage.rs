//! GET /api/v1/chats/{id}/usage

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{api::ChatUsage, messages};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-usage", READ, || routes!(handle));

/// The tokens the models reported for this chat, in all and per model.
#[utoipa::path(get, path = "/api/v1/chats/{id}/usage", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = ChatUsage), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<ChatUsage>> {
    Ok(Json(messages::chat_usage(&deps, caller.user_id, id).await?))
}
