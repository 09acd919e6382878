//! GET /api/v1/prototypes/{id}/variants/{vid}/versions/{n}

use super::ApiBase;
use crate::routes::{Route, PAGES_READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::VersionWithHtml;
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototype-versions-get", PAGES_READ, || routes!(handle));

/// One version, with its page and a signed preview URL (valid 15 minutes) to open it in an iframe.
#[utoipa::path(get, path = "/api/v1/prototypes/{id}/variants/{vid}/versions/{n}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id"), ("vid" = uuid::Uuid, Path, description = "Variant id"), ("n" = i64, Path, description = "Version number (from 1)")),
    responses((status = 200, body = VersionWithHtml), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, base: ApiBase, Path((id, vid, n)): Path<(Uuid, Uuid, i64)>) -> ApiResult<Json<VersionWithHtml>> {
    Ok(Json(pages::version(&deps, caller.user_id, id, vid, n, &base.0).await?))
}
