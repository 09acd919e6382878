//! POST /api/v1/files

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::files::{self, api::CreateFileRequest, api::UploadTicket};
use shared::http::{json, parse_json};
use shared::{ApiResult, Deps};

/// Start an upload: the file's id and a presigned PUT (15 minutes) bound to the
/// declared type and size. Then `POST /files/{id}/complete`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body = CreateFileRequest,
    responses((status = 201, body = UploadTicket), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    let body: CreateFileRequest = parse_json(&req)?;
    Ok(json(http::StatusCode::CREATED, &files::create(deps, auth.user_id, body).await?))
}
