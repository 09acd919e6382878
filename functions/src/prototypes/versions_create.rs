//! POST /api/v1/prototypes/{id}/variants/{vid}/versions (STREAM: Lambda response streaming)

use crate::routes::{Route, GENERATE};
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use shared::auth::TokenCaller;
use shared::http::{Json, Path};
use shared::prototypes::api::EditRequest;
use shared::prototypes::generate;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototype-versions-create", GENERATE, || routes!(handle)).streaming();

/// Edit a variant: Claude applies `edit_prompt` to its latest page, streamed as Server-Sent Events, and the result is its next version.
///
/// The events: `start` (`GenerationStart`), `delta` (`StreamDelta`) as the model writes, then `done`
/// (`GenerationDone`, what was stored) or `error` (`StreamError`: `invalid_model_output` when the reply
/// holds no complete `<prototype_file>`, and then nothing is stored); `: keep-alive` comments while the
/// model is quiet. Failures before the stream starts are ordinary JSON errors.
#[utoipa::path(post, path = "/api/v1/prototypes/{id}/variants/{vid}/versions", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id"), ("vid" = uuid::Uuid, Path, description = "Variant id")),
    request_body = EditRequest,
    responses((status = 200, content_type = "text/event-stream", description = "The page as Server-Sent Events"),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 502, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: TokenCaller, Path((id, vid)): Path<(Uuid, Uuid)>, Json(body): Json<EditRequest>) -> ApiResult<Response> {
    Ok(generate::edit(deps, caller, id, vid, body).await?.map(Body::new))
}
