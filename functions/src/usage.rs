//! GET /api/v1/usage

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::chat::api::UsageReport;
use shared::http::{ok, query_param};
use shared::{ApiResult, Deps};

/// The tokens the models reported for the caller's messages, per day (UTC) and per
/// model, deleted chats included.
#[utoipa::path(get, path = "/api/v1/usage", tag = "usage", security(("bearer" = [])),
    params(("from" = Option<time::Date>, Query, description = "First day, YYYY-MM-DD (default: 29 days before `to`)"),
        ("to" = Option<time::Date>, Query, description = "Last day, YYYY-MM-DD (default: today, UTC)")),
    responses((status = 200, body = UsageReport), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&shared::usage::report(deps, auth.user_id, query_param(&req, "from"), query_param(&req, "to")).await?))
}
