//! GET /api/v1/prompts/{id}

use axum::extract::State;
use crate::routes::{Route, READ};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::prompts::{self, SavedPrompt};
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prompts-get", READ, || routes!(handle));

/// One saved prompt of the caller's (another user's is 404).
#[utoipa::path(get, path = "/api/v1/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    responses((status = 200, body = SavedPrompt), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<SavedPrompt>> {
    Ok(Json(prompts::get(&deps, caller.user_id, id).await?))
}
