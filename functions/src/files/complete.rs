//! POST /api/v1/files/{id}/complete

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::files::{self, api::File};
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// Check the uploaded bytes (size, and the real type from their magic bytes) and make
/// the file ready. A file that fails is deleted: 413 too large, 415 not the declared
/// type, 400 `size_mismatch`; 400 `upload_missing` when nothing was uploaded yet.
#[utoipa::path(post, path = "/api/v1/files/{id}/complete", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 200, body = File), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody),
        (status = 413, body = shared::error::ErrorBody), (status = 415, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&files::complete(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
