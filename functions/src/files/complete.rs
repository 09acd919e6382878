//! POST /api/v1/files/{id}/complete

use axum::extract::State;
use crate::routes::{Route, FILES};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::files::{self, api::File};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("files-complete", FILES, || routes!(handle));

/// Check the uploaded bytes (size, and the real type from their magic bytes) and make
/// the file ready. A file that fails is deleted: 413 too large, 415 not the declared
/// type, 400 `size_mismatch`; 400 `upload_missing` when nothing was uploaded yet.
#[utoipa::path(post, path = "/api/v1/files/{id}/complete", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 200, body = File), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody),
        (status = 413, body = shared::error::ErrorBody), (status = 415, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<File>> {
    Ok(Json(files::complete(&deps, caller.user_id, id).await?))
}
