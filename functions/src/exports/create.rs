//! POST /api/v1/export

use axum::extract::State;
use crate::routes::{Route, PORTABILITY};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::portability::export::{self, ExportStarted};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("exports-create", PORTABILITY, || routes!(handle));

/// Export everything the account holds (profile, chats with their messages, projects
/// and knowledge, prompts, memories and tags, design projects with every prototype
/// version's HTML) as one JSON archive, the `myclaude` format `POST /import` reads. It
/// is written in the background: follow it with `GET /export/{id}`. At most 10 exports
/// a day (then 429).
#[utoipa::path(post, path = "/api/v1/export", tag = "portability", security(("bearer" = [])),
    responses((status = 202, body = ExportStarted), (status = 401, body = shared::error::ErrorBody),
        (status = 429, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser) -> ApiResult<(StatusCode, Json<ExportStarted>)> {
    Ok((StatusCode::ACCEPTED, Json(export::start_export(&deps, caller.user_id).await?)))
}
