//! GET /api/v1/prompts/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param};
use shared::prompts::{self, SavedPrompt};
use shared::{ApiResult, Deps};

/// One saved prompt of the caller's (another user's is 404).
#[utoipa::path(get, path = "/api/v1/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    responses((status = 200, body = SavedPrompt), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&prompts::get(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
