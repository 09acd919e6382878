//! GET /api/v1/design-projects

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::domain::PageQuery;
use shared::http::{Json, Query};
use shared::prototypes::api::DesignProjectList;
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("design-projects-list", READ, || routes!(handle));

/// The caller's design projects, newest first.
#[utoipa::path(get, path = "/api/v1/design-projects", tag = "prototypes", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = DesignProjectList), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Query(page): Query<PageQuery>) -> ApiResult<Json<DesignProjectList>> {
    Ok(Json(designs::list(&deps, caller.user_id, page).await?))
}
