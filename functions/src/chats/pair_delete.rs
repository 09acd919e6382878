//! DELETE /api/v1/chats/{id}/pairs/{pair_id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::messages;
use shared::AppState;
use shared::http::Path;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-pair-delete", WRITE, || routes!(handle));

/// Delete a message pair.
#[utoipa::path(delete, path = "/api/v1/chats/{id}/pairs/{pair_id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, pair_id)): Path<(Uuid, Uuid)>) -> ApiResult<StatusCode> {
    messages::delete(&deps, caller.user_id, id, pair_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
