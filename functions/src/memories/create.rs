//! POST /api/v1/memories

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::memory::api::{CreateMemoryRequest, Memory};
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memories-create", WRITE, || routes!(handle)).warming_up(shared::tokens::warm_up);

/// Write a memory; the user's own are verified, with confidence 1.
#[utoipa::path(post, path = "/api/v1/memories", tag = "memories", security(("bearer" = [])), request_body = CreateMemoryRequest,
    responses((status = 201, body = Memory), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateMemoryRequest>) -> ApiResult<(StatusCode, Json<Memory>)> {
    Ok((StatusCode::CREATED, Json(curation::create(&deps, caller.user_id, body).await?)))
}
