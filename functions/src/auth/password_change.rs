//! POST /api/v1/auth/password/change

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use shared::ApiResult;
use shared::auth::CallerUser;
use shared::auth::api::{PasswordChangeRequest, TokenResponse};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-password-change", ACCOUNT_MAIL, || routes!(handle));

/// Change the password. Answers with a fresh token; every other token is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password/change", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses((status = 200, body = TokenResponse),
        (status = 400, description = "fields.current_password or fields.new_password", body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 5 wrong current passwords (here or on DELETE /auth/me) within 15 minutes", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, CallerUser { auth, user }: CallerUser, Json(body): Json<PasswordChangeRequest>) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(service::change_password(&deps, &auth, user, body, ip).await?))
}
