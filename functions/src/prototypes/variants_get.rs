//! GET /api/v1/prototypes/{id}/variants/{vid}

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::VariantWithVersions;
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototype-variants-get", READ, || routes!(handle));

/// One variant, with its versions by number.
#[utoipa::path(get, path = "/api/v1/prototypes/{id}/variants/{vid}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id"), ("vid" = uuid::Uuid, Path, description = "Variant id")),
    responses((status = 200, body = VariantWithVersions), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path((id, vid)): Path<(Uuid, Uuid)>) -> ApiResult<Json<VariantWithVersions>> {
    Ok(Json(pages::variant(&deps, caller.user_id, id, vid).await?))
}
