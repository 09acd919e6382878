//! POST /api/v1/memory-tags

use axum::extract::State;
use crate::routes::{Route, WRITE};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::memory::api::{CreateTagRequest, MemoryTag};
use shared::memory::curation;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("memory-tags-create", WRITE, || routes!(handle));

/// Make a tag (its name normalised); 409 `tag_exists` when the caller has it already.
#[utoipa::path(post, path = "/api/v1/memory-tags", tag = "memories", security(("bearer" = [])), request_body = CreateTagRequest,
    responses((status = 201, body = MemoryTag), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody),
        (status = 409, description = "tag_exists: the caller has this tag already", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateTagRequest>) -> ApiResult<(StatusCode, Json<MemoryTag>)> {
    Ok((StatusCode::CREATED, Json(curation::create_tag(&deps, caller.user_id, body).await?)))
}
