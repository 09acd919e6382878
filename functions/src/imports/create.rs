//! POST /api/v1/import

use axum::extract::State;
use crate::routes::{Route, PORTABILITY};
use http::StatusCode;
use shared::ApiResult;
use shared::auth::AuthUser;
use shared::AppState;
use shared::http::Json;
use shared::portability::{self, api::{ImportRequest, ImportStarted}};
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("imports-create", PORTABILITY, || routes!(handle));

/// Import the conversations of another assistant's export (a file uploaded with purpose
/// `import`). The import runs in the background: follow it with `GET /import/{id}`.
/// Importing the same file again creates nothing twice; a file that cannot be read as
/// the format fails as a whole and creates nothing.
#[utoipa::path(post, path = "/api/v1/import", tag = "portability", security(("bearer" = [])), request_body = ImportRequest,
    responses((status = 202, body = ImportStarted), (status = 400, body = shared::error::ErrorBody),
        (status = 401, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: AuthUser, Json(body): Json<ImportRequest>) -> ApiResult<(StatusCode, Json<ImportStarted>)> {
    Ok((StatusCode::ACCEPTED, Json(portability::start_import(&deps, caller.user_id, body).await?)))
}
