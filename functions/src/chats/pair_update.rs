//! PATCH /api/v1/chats/{id}/pairs/{pair_id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::api::{EditPairRequest, Pair};
use shared::chat::messages;
use shared::http::{ok, parse_json, path_param};
use shared::{ApiResult, Deps};

/// Edit the user message's text (attachments stay). The answer stays as it was: ask
/// for a new one with `regenerate_pair_id` on `POST /chat/stream`.
#[utoipa::path(patch, path = "/api/v1/chats/{id}/pairs/{pair_id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"), ("pair_id" = uuid::Uuid, Path, description = "Pair id")),
    request_body = EditPairRequest,
    responses((status = 200, body = Pair), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: EditPairRequest = parse_json(&req)?;
    let (chat_id, pair_id) = (path_param(&req, "id")?, path_param(&req, "pair_id")?);
    Ok(ok(&messages::edit(deps, auth.user_id, &chat_id, &pair_id, body).await?))
}
