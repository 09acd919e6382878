//! POST /api/v1/files/validate

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::files::{self, api::ValidateFileRequest, api::ValidateFileResponse};
use shared::http::{ok, parse_json};
use shared::{ApiResult, Deps};

/// Check a file before uploading it: type, size and name, as `POST /files` will.
#[utoipa::path(post, path = "/api/v1/files/validate", tag = "files", security(("bearer" = [])),
    request_body = ValidateFileRequest,
    responses((status = 200, body = ValidateFileResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    authenticate(deps, req.headers()).await?;
    let body: ValidateFileRequest = parse_json(&req)?;
    files::validate(&body)?;
    Ok(ok(&ValidateFileResponse { valid: true }))
}
