//! PATCH /api/v1/chats/{id}/pairs/{pair_id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::api::{EditPairRequest, Pair};
use shared::chat::messages;
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-pair-update", WRITE, || routes!(handle));

/// Edit the user message's text (attachments stay). The answer stays as it was: ask
/// for a new one with `regenerate_pair_id` on `POST /chat/stream`.
#[utoipa::path(patch, path = "/api/v1/chats/{id}/pairs/{pair_id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    request_body = EditPairRequest,
    responses((status = 200, body = Pair), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, pair_id)): Path<(Uuid, Uuid)>, Json(body): Json<EditPairRequest>) -> ApiResult<Json<Pair>> {
    Ok(Json(messages::edit(&deps, caller.user_id, id, pair_id, body).await?))
}
