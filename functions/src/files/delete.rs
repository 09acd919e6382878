//! DELETE /api/v1/files/{id}

use axum::extract::State;
use crate::routes::{Route, FILES};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::files;
use shared::AppState;
use shared::http::Path;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("files-delete", FILES, || routes!(handle));

/// Delete a file and its bytes (an avatar it was is removed from the profile).
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    files::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
