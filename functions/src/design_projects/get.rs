//! GET /api/v1/design-projects/{id}

use crate::routes::{Route, READ};
use axum::extract::State;
use shared::auth::AuthUser;
use shared::http::{Json, Path};
use shared::prototypes::api::DesignProject;
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("design-projects-get", READ, || routes!(handle));

/// One design project.
#[utoipa::path(get, path = "/api/v1/design-projects/{id}", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id")),
    responses((status = 200, body = DesignProject), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Path(id): Path<Uuid>) -> ApiResult<Json<DesignProject>> {
    Ok(Json(designs::get(&deps, caller.user_id, id).await?))
}
