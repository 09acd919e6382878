//! POST /api/v1/files/validate

use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::files::{self, api::ValidateFileRequest, api::ValidateFileResponse};
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("files-validate", WRITE, || routes!(handle));

/// Check a file before uploading it: type, size and name, as `POST /files` will.
#[utoipa::path(post, path = "/api/v1/files/validate", tag = "files", security(("bearer" = [])),
    request_body = ValidateFileRequest,
    responses((status = 200, body = ValidateFileResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(_caller: AuthUser, Json(body): Json<ValidateFileRequest>) -> ApiResult<Json<ValidateFileResponse>> {
    files::validate(&body)?;
    Ok(Json(ValidateFileResponse { valid: true }))
}
