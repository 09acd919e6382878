//! GET /api/v1/projects/{id}/chats

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, path_param, query_param};
use shared::projects;
use shared::{ApiResult, Deps};

/// The project's chats, most recently updated first (same filters as `GET /chats`).
#[utoipa::path(get, path = "/api/v1/projects/{id}/chats", tag = "projects", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Project id"),
        ("archived" = Option<bool>, Query, description = "Archived chats instead of live ones (default false)"),
        ("q" = Option<String>, Query, max_length = 200, description = "Title contains (case-insensitive)"),
        ("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = shared::chat::api::ChatList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let filter = shared::chat::ListFilter {
        archived: query_param(&req, "archived"),
        project_id: None,
        q: query_param(&req, "q"),
        limit: query_param(&req, "limit"),
        cursor: query_param(&req, "cursor"),
    };
    Ok(ok(&projects::chats(deps, auth.user_id, &path_param(&req, "id")?, filter).await?))
}
