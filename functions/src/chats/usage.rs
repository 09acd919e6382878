//! GET /api/v1/chats/{id}/usage

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{api::ChatUsage, messages};
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// The tokens the models reported for this chat, in all and per model.
#[utoipa::path(get, path = "/api/v1/chats/{id}/usage", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id")),
    responses((status = 200, body = ChatUsage), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&messages::chat_usage(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
