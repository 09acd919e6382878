//! GET /api/v1/chats/{id}/messages

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{api::PairList, messages};
use shared::http::{ok, path_param, query_param};
use shared::{ApiResult, Deps};

/// The chat's message pairs, oldest first. A pair being answered shows the text so far.
#[utoipa::path(get, path = "/api/v1/chats/{id}/messages", tag = "chats", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Chat id"),
        ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = PairList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let chat_id = path_param(&req, "id")?;
    let page = messages::list(deps, auth.user_id, &chat_id, query_param(&req, "limit"), query_param(&req, "cursor"));
    Ok(ok(&page.await?))
}
