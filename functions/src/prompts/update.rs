//! PATCH /api/v1/prompts/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, parse_json, path_param};
use shared::prompts::{self, SavedPrompt, UpdatePromptRequest};
use shared::{ApiResult, Deps};

/// Rename a saved prompt or change its text.
#[utoipa::path(patch, path = "/api/v1/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prompt id")), request_body = UpdatePromptRequest,
    responses((status = 200, body = SavedPrompt), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: UpdatePromptRequest = parse_json(&req)?;
    Ok(ok(&prompts::update(deps, auth.user_id, &path_param(&req, "id")?, body).await?))
}
