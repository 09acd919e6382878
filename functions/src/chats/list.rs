//! GET /api/v1/chats

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::{self, api::ChatList, ListFilter};
use shared::http::{ok, query_param};
use shared::{ApiResult, Deps};

/// The caller's chats, most recently updated first.
#[utoipa::path(get, path = "/api/v1/chats", tag = "chats", security(("bearer" = [])),
    params(("archived" = Option<bool>, Query, description = "Archived chats instead of live ones (default false)"),
        ("project_id" = Option<uuid::Uuid>, Query, description = "Only chats of this project"),
        ("q" = Option<String>, Query, max_length = 200, description = "Title contains (case-insensitive)"),
        ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = ChatList), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let filter = ListFilter {
        archived: query_param(&req, "archived"),
        project_id: query_param(&req, "project_id"),
        q: query_param(&req, "q"),
        limit: query_param(&req, "limit"),
        cursor: query_param(&req, "cursor"),
    };
    Ok(ok(&chat::list(deps, auth.user_id, filter).await?))
}
