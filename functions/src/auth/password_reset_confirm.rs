//! POST /api/v1/auth/password/reset/confirm

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use shared::ApiResult;
use shared::auth::api::{MessageResponse, PasswordResetConfirmRequest};
use shared::auth::service;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-password-reset-confirm", ACCOUNT_MAIL, || routes!(handle)).public();

/// Set a new password with the emailed token. Every session is revoked and the lockout cleared.
#[utoipa::path(post, path = "/api/v1/auth/password/reset/confirm", tag = "auth", request_body = PasswordResetConfirmRequest,
    responses((status = 200, body = MessageResponse),
        (status = 400, description = "invalid_token, or fields.new_password", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, Json(body): Json<PasswordResetConfirmRequest>) -> ApiResult<Json<MessageResponse>> {
    service::confirm_password_reset(&deps, body).await?;
    Ok(Json(MessageResponse { message: "Your password was reset. Log in with the new password.".into() }))
}
