//! DELETE /api/v1/chats/{id}/pairs/{pair_id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::messages;
use shared::http::{no_content, path_param};
use shared::{ApiResult, Deps};

/// Delete a message pair.
#[utoipa::path(delete, path = "/api/v1/chats/{id}/pairs/{pair_id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let (chat_id, pair_id) = (path_param(&req, "id")?, path_param(&req, "pair_id")?);
    messages::delete(deps, auth.user_id, &chat_id, &pair_id).await?;
    Ok(no_content())
}
