//! GET /api/v1/files/{id}

use axum::extract::State;
use crate::routes::{Route, FILES_READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::files::{self, api::File};
use shared::AppState;
use shared::http::{Json, Path};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("files-get", FILES_READ, || routes!(handle));

/// A file, with a download URL valid for 5 minutes once it is ready.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 200, body = File), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<File>> {
    Ok(Json(files::get(&deps, caller.user_id, id).await?))
}
