//! DELETE /api/v1/files/{id}

use lambda_http::{Body, Request, Response};
use shared::auth::authenticate;
use shared::files;
use shared::http::{no_content, path_param};
use shared::{ApiResult, Deps};

/// Delete a file and its bytes (an avatar it was is removed from the profile).
#[utoipa::path(delete, path = "/api/v1/files/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "File id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let auth = authenticate(deps, req.headers()).await?;
    files::delete(deps, auth.user_id, &path_param(&req, "id")?).await?;
    Ok(no_content())
}
