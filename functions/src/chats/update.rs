//! PATCH /api/v1/chats/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::Chat, api::UpdateChatRequest};
use shared::http::{ok, parse_json, path_param};
use shared::{ApiResult, Deps};

/// Change a chat's title, system prompt, project or archived state.
#[utoipa::path(patch, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")), request_body = UpdateChatRequest,
    responses((status = 200, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: UpdateChatRequest = parse_json(&req)?;
    Ok(ok(&chat::update(deps, auth.user_id, &path_param(&req, "id")?, body).await?))
}
