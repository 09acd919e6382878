//! GET /api/v1/files/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::files::{self, api::File};
use shared::http::{ok, path_param};
use shared::{ApiResult, Deps};

/// A file, with a download URL valid for 5 minutes once it is ready.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 200, body = File), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    Ok(ok(&files::get(deps, auth.user_id, &path_param(&req, "id")?).await?))
}
