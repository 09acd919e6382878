//! POST /api/v1/chats

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::Chat, api::CreateChatRequest};
use shared::http::{json, parse_json};
use shared::{ApiResult, Deps};

/// Start a chat (optionally in a project, with its own system prompt).
#[utoipa::path(post, path = "/api/v1/chats", tag = "chats", security(("bearer" = [])), request_body = CreateChatRequest,
    responses((status = 201, body = Chat), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: CreateChatRequest = parse_json(&req)?;
    Ok(json(StatusCode::CREATED, &chat::create(deps, auth.user_id, body).await?))
}
