//! DELETE /api/v1/prompts/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Path;
use shared::prompts;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prompts-delete", WRITE, || routes!(handle));

/// Delete a saved prompt.
#[utoipa::path(delete, path = "/api/v1/prompts/{id}", tag = "prompts", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    prompts::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
