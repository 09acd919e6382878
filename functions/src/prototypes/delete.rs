//! DELETE /api/v1/prototypes/{id}

use crate::routes::{Route, PAGES};
use axum::extract::State;
use http::StatusCode;
use shared::auth::AuthUser;
use shared::http::Path;
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototypes-delete", PAGES, || routes!(handle));

/// Delete a prototype with its variants, versions and pages.
#[utoipa::path(delete, path = "/api/v1/prototypes/{id}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    pages::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
