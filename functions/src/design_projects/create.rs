//! POST /api/v1/design-projects

use crate::routes::{Route, WRITE};
use axum::extract::State;
use http::StatusCode;
use shared::auth::AuthUser;
use shared::http::Json;
use shared::prototypes::api::{CreateDesignProjectRequest, DesignProject};
use shared::prototypes::designs;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("design-projects-create", WRITE, || routes!(handle));

/// Create a design project, where UI prototypes live.
#[utoipa::path(post, path = "/api/v1/design-projects", tag = "prototypes", security(("bearer" = [])),
    request_body = CreateDesignProjectRequest,
    responses((status = 201, body = DesignProject), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<CreateDesignProjectRequest>) -> ApiResult<(StatusCode, Json<DesignProject>)> {
    Ok((StatusCode::CREATED, Json(designs::create(&deps, caller.user_id, body).await?)))
}
