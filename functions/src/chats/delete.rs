//! DELETE /api/v1/chats/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat;
use shared::http::{no_content, path_param};
use shared::{ApiResult, Deps};

/// Delete a chat and everything in it.
#[utoipa::path(delete, path = "/api/v1/chats/{id}", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    chat::delete(deps, auth.user_id, &path_param(&req, "id")?).await?;
    Ok(no_content())
}
