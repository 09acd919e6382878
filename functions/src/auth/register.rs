//! POST /api/v1/auth/register

use axum::extract::State;
use crate::routes::{Route, ACCOUNT_MAIL};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::api::{MessageResponse, RegisterRequest};
use shared::auth::service;
use shared::AppState;
use shared::http::{ClientIp, Json};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("auth-register", ACCOUNT_MAIL, || routes!(handle)).public();

/// Create an account. The answer is the same whether or not the email is taken.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 5 registrations an hour per client address", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, ClientIp(ip): ClientIp, Json(body): Json<RegisterRequest>) -> ApiResult<(StatusCode, Json<MessageResponse>)> {
    let message = service::register(&deps, body, ip).await?;
    Ok((StatusCode::CREATED, Json(MessageResponse { message })))
}
