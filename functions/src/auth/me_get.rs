//! GET /api/v1/auth/me

use lambda_http::{Body, Request, Response};
use shared::auth::api::User;
use shared::auth::authenticate_user;
use shared::http::ok;
use shared::{ApiResult, Deps};

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let (_, user) = authenticate_user(deps, req.headers()).await?;
    Ok(ok(&shared::auth::service::user_view(deps, &user).await?))
}
