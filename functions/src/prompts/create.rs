//! POST /api/v1/prompts

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{json, parse_json};
use shared::prompts::{self, CreatePromptRequest, SavedPrompt};
use shared::{ApiResult, Deps};

/// Save a system prompt.
#[utoipa::path(post, path = "/api/v1/prompts", tag = "prompts", security(("bearer" = [])), request_body = CreatePromptRequest,
    responses((status = 201, body = SavedPrompt), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: CreatePromptRequest = parse_json(&req)?;
    Ok(json(StatusCode::CREATED, &prompts::create(deps, auth.user_id, body).await?))
}
