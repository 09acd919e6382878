//! POST /api/v1/prompts

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::prompts::{self, CreatePromptRequest, SavedPrompt};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("prompts-create", WRITE, || routes!(handle));

/// Save a system prompt.
#[utoipa::path(post, path = "/api/v1/prompts", tag = "prompts", security(("bearer" = [])), request_body = CreatePromptRequest,
    responses((status = 201, body = SavedPrompt), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreatePromptRequest>) -> ApiResult<(StatusCode, Json<SavedPrompt>)> {
    Ok((StatusCode::CREATED, Json(prompts::create(&deps, caller.user_id, body).await?)))
}
