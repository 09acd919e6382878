//! POST /api/v1/chats/{id}/pairs/{pair_id}/toggle

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::api::Pair;
use shared::chat::messages;
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// Flip `hidden`: hidden pairs stay in the chat but are left out of the model's context.
#[utoipa::path(post, path = "/api/v1/chats/{id}/pairs/{pair_id}/toggle", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    responses((status = 200, body = Pair), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let (chat_id, pair_id) = (path_param(&req, "id")?, path_param(&req, "pair_id")?);
    Ok(ok(&messages::toggle(deps, auth.user_id, &chat_id, &pair_id).await?))
}
