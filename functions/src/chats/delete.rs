//! DELETE /api/v1/chats/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat;
use shared::AppState;
use shared::http::Path;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-delete", WRITE, || routes!(handle));

/// Delete a chat and everything in it.
#[utoipa::path(delete, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    chat::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
