//! GET /api/v1/prototypes/{id}

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::PrototypeWithVariants;
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototypes-get", READ, || routes!(handle));

/// One prototype, with its variants (the original first).
#[utoipa::path(get, path = "/api/v1/prototypes/{id}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id")),
    responses((status = 200, body = PrototypeWithVariants), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<PrototypeWithVariants>> {
    Ok(Json(pages::get(&deps, caller.user_id, id).await?))
}
