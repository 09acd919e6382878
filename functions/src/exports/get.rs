//! GET /api/v1/export/{id}

use axum::extract::State;
use crate::routes::{Route, ARCHIVES_READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::portability::export::{self, Export};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("exports-get", ARCHIVES_READ, || routes!(handle));

/// Where an export is; once `complete`, a download URL of its archive that works for 15
/// minutes (ask again for a fresh one). The archive is kept for 24 hours, then the
/// export shows `expired`.
#[utoipa::path(get, path = "/api/v1/export/{id}", tag = "portability", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Export id")),
    responses((status = 200, body = Export), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<Export>> {
    Ok(Json(export::get_export(&deps, caller.user_id, id).await?))
}
