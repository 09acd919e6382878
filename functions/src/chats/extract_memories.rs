//! POST /api/v1/chats/{id}/extract-memories

use crate::routes::{Route, WRITE_MEMORY};
use axum::extract::State;
use http::StatusCode;
use shared::auth::api::MessageResponse;
use shared::auth::CallerUser;
use shared::http::{Json, Path};
use shared::memory::extract;
use shared::ApiResult;
use shared::AppState;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-extract-memories", WRITE_MEMORY, || routes!(handle));

/// Learn memories from this whole chat now (in the background). 409 `memory_disabled` when memory is off.
#[utoipa::path(post, path = "/api/v1/chats/{id}/extract-memories", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 202, body = MessageResponse), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody),
        (status = 409, description = "memory_disabled", body = shared::error::ErrorBody)))]
pub async fn handle(
    State(deps): State<AppState>,
    caller: CallerUser,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    extract::request(&deps, &caller.user, id).await?;
    let message = "Memory extraction is queued for this chat.".to_string();
    Ok((StatusCode::ACCEPTED, Json(MessageResponse { message })))
}
