//! GET /api/v1/projects

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::http::{ok, query_param};
use shared::projects::{self, ProjectList};
use shared::{ApiResult, Deps};

/// The caller's projects, newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", security(("bearer" = [])),
    params(("limit" = Option<i32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page")),
    responses((status = 200, body = ProjectList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&projects::list(deps, auth.user_id, query_param(&req, "limit"), query_param(&req, "cursor")).await?))
}
