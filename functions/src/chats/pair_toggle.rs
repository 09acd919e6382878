//! POST /api/v1/chats/{id}/pairs/{pair_id}/toggle

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::chat::api::Pair;
use shared::chat::messages;
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("chats-pair-toggle", WRITE, || routes!(handle));

/// Flip `hidden`: hidden pairs stay in the chat but are left out of the model's context.
#[utoipa::path(post, path = "/api/v1/chats/{id}/pairs/{pair_id}/toggle", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    responses((status = 200, body = Pair), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, pair_id)): Path<(Uuid, Uuid)>) -> ApiResult<Json<Pair>> {
    Ok(Json(messages::toggle(&deps, caller.user_id, id, pair_id).await?))
}
