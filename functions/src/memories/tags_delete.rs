//! DELETE /api/v1/memory-tags/{name}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Path;
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memory-tags-delete", WRITE, || routes!(handle));

/// Delete a tag: it is taken off every memory holding it. 404 when the caller has neither the tag nor a memory with it.
#[utoipa::path(delete, path = "/api/v1/memory-tags/{name}", tag = "memories", security(("bearer" = [])),
    params(("name" = String, Path, min_length = 1, max_length = 50,
        description = "The tag's name (URL-encoded: `c%2B%2B`, `c%23`); normalised like a new tag's")),
    responses((status = 204), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody),
        (status = 409, description = "conflict: a memory with the tag kept changing meanwhile; try again", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(name): Path<String>) -> ApiResult<StatusCode> {
    curation::delete_tag(&deps, caller.user_id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
