//! GET /api/v1/chats/{id}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::{self, api::Chat};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-get", READ, || routes!(handle));

/// One of the caller's chats (another user's is 404).
#[utoipa::path(get, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = Chat), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Chat>> {
    Ok(Json(chat::get(&deps, caller.user_id, id).await?))
}
