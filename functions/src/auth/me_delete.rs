//! DELETE /api/v1/auth/me

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_DELETE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::CallerUser;
use shared::auth::api::DeleteMeRequest;
use shared::auth::service;
use shared::AppState;
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-me-delete", ACCOUNT_DELETE, || routes!(handle));

/// Delete the account and all its data. Needs the password (400 `fields.password` if
/// wrong); an account without one sends its email (400 `fields.confirm_email` if it is
/// not the account's) from a sign-in of the last 15 minutes (else 403
/// `reauthentication_required`).
#[utoipa::path(delete, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), request_body = DeleteMeRequest,
    responses((status = 204), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody),
        (status = 403, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 5 wrong passwords (here or on POST /auth/password/change) within 15 minutes", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, CallerUser { auth, user }: CallerUser, Json(body): Json<DeleteMeRequest>) -> ApiResult<StatusCode> {
    service::delete_me(&deps, &auth, user, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
