//! GET /api/v1/chats/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::Chat};
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// One of the caller's chats (another user's is 404).
#[utoipa::path(get, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = Chat), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&chat::get(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
