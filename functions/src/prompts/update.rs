//! PATCH /api/v1/prompts/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::prompts::{self, SavedPrompt, UpdatePromptRequest};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prompts-update", WRITE, || routes!(handle));

/// Rename a saved prompt or change its text.
#[utoipa::path(patch, path = "/api/v1/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prompt id")), request_body = UpdatePromptRequest,
    responses((status = 200, body = SavedPrompt), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<UpdatePromptRequest>) -> ApiResult<Json<SavedPrompt>> {
    Ok(Json(prompts::update(&deps, caller.user_id, id, body).await?))
}
