//! POST /api/v1/files

use axum::extract::State;
use crate::routes::{Route, FILES};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::files::{self, api::CreateFileRequest, api::UploadTicket};
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("files-create", FILES, || routes!(handle));

/// Start an upload: the file's id and a presigned PUT (15 minutes) bound to the
/// declared type and size. Then `POST /files/{id}/complete`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body = CreateFileRequest,
    responses((status = 201, body = UploadTicket), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateFileRequest>) -> ApiResult<(StatusCode, Json<UploadTicket>)> {
    Ok((StatusCode::CREATED, Json(files::create(&deps, caller.user_id, body).await?)))
}
