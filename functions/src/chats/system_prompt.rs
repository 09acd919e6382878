//! PUT /api/v1/chats/{id}/system-prompt

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::Chat, api::SystemPromptRequest, api::UpdateChatRequest};
use shared::http::{ok, parse_json, path_param};
use shared::{ApiResult, Deps};

/// Set the chat's own system prompt (for example a saved prompt's text); empty removes it.
#[utoipa::path(put, path = "/api/v1/chats/{id}/system-prompt", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")), request_body = SystemPromptRequest,
    responses((status = 200, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: SystemPromptRequest = parse_json(&req)?;
    let change = UpdateChatRequest { system_prompt: Some(Some(body.system_prompt)), ..Default::default() };
    Ok(ok(&chat::update(deps, auth.user_id, &path_param(&req, "id")?, change).await?))
}
