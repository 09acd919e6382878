//! DELETE /api/v1/prototypes/{id}/variants/{vid}

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

pub static ROUTE: Route = Route::new("prototype-variants-delete", PAGES, || routes!(handle));

/// Delete a variant with its versions and pages; the original variant cannot be deleted (409 `original_variant`).
#[utoipa::path(delete, path = "/api/v1/prototypes/{id}/variants/{vid}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id"), ("vid" = uuid::Uuid, Path, description = "Variant id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, vid)): Path<(Uuid, Uuid)>) -> ApiResult<StatusCode> {
    pages::delete_variant(&deps, caller.user_id, id, vid).await?;
    Ok(StatusCode::NO_CONTENT)
}
