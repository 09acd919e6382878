//! POST /api/v1/auth/register

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::auth::api::{MessageResponse, RegisterRequest};
use shared::auth::service;
use shared::http::{client_ip, json, parse_json};
use shared::{ApiResult, Deps};

/// Create an account. The answer is the same whether or not the email is taken.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = MessageResponse), (status = 400, body = shared::error::ErrorBody),
        (status = 429, description = "rate_limited: 5 registrations an hour per client address", body = shared::error::ErrorBody)))]
pub async fn handle(deps: &Deps, req: Request) -> ApiResult<Response<Body>> {
    let body: RegisterRequest = parse_json(&req)?;
    let message = service::register(deps, body, client_ip(&req)).await?;
    Ok(json(StatusCode::CREATED, &MessageResponse { message }))
}
