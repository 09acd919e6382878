//! DELETE /api/v1/design-projects/{id}

use crate::routes::{Route, PAGES};
use axum::extract::State;
use http::StatusCode;
use shared::auth::AuthUser;
use shared::http::Path;
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-projects-delete", PAGES, || routes!(handle));

/// Delete a design project with its groups and every prototype in it: their variants, versions and pages.
#[utoipa::path(delete, path = "/api/v1/design-projects/{id}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    designs::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
