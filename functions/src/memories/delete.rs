//! DELETE /api/v1/memories/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Path;
use shared::memory::curation;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("memories-delete", WRITE, || routes!(handle));

/// Delete a memory; one learned from a chat is never learned again from that chat.
#[utoipa::path(delete, path = "/api/v1/memories/{id}", tag = "memories", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Memory id")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    curation::delete(&deps, caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
