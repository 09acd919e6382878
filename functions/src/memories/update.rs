//! PATCH /api/v1/memories/{id}

use axum::extract::State;
use crate::routes::{Route, WRITE};
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::{Json, Path};
use shared::memory::api::{Memory, UpdateMemoryRequest};
use shared::memory::curation;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("memories-update", WRITE, || routes!(handle)).warming_up(shared::tokens::warm_up);

/// Change a memory's summary, category or tags, or turn it on or off, or verify it. 409 when it kept changing meanwhile.
#[utoipa::path(patch, path = "/api/v1/memories/{id}", tag = "memories", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Memory id")), request_body = UpdateMemoryRequest,
    responses((status = 200, body = Memory), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody),
        (status = 409, description = "conflict: the memory kept changing meanwhile; try again", body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>, Json(body): Json<UpdateMemoryRequest>) -> ApiResult<Json<Memory>> {
    Ok(Json(curation::update(&deps, caller.user_id, id, body).await?))
}
