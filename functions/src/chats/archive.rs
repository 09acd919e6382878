//! POST /api/v1/chats/{id}/archive

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::Chat, api::UpdateChatRequest};
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// Set the chat's archived state to true.
#[utoipa::path(post, path = "/api/v1/chats/{id}/archive", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = Chat), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let change = UpdateChatRequest { archived: Some(true), ..Default::default() };
    Ok(ok(&chat::update(deps, auth.user_id, &path_param(&req, "id")?, change).await?))
}
