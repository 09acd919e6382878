//! POST /api/v1/design-projects/{id}/prototypes/generate (STREAM: Lambda response streaming)

use crate::routes::{Route, GENERATE};
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use shared::auth::TokenCaller;
use shared::http::{Json, Path};
use shared::prototypes::api::GenerateRequest;
use shared::prototypes::generate;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototypes-generate", GENERATE, || routes!(handle)).streaming();

/// Describe a screen; Claude writes it as an HTML/Tailwind page, streamed as Server-Sent Events, and it is stored as a new prototype.
///
/// The events: `start` (`GenerationStart`), `delta` (`StreamDelta`) as the model writes, then `done`
/// (`GenerationDone`, what was stored) or `error` (`StreamError`: `invalid_model_output` when the reply
/// holds no complete `<prototype_file>`, and then nothing is stored); `: keep-alive` comments while the
/// model is quiet. Failures before the stream starts are ordinary JSON errors.
#[utoipa::path(post, path = "/api/v1/design-projects/{id}/prototypes/generate", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Design project id")),
    request_body = GenerateRequest,
    responses((status = 200, content_type = "text/event-stream", description = "The page as Server-Sent Events"),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 502, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: TokenCaller, Path(id): Path<Uuid>, Json(body): Json<GenerateRequest>) -> ApiResult<Response> {
    Ok(generate::generate(deps, caller, id, body).await?.map(Body::new))
}

/// The event payloads, for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(shared::prototypes::api::GenerationStart, shared::prototypes::api::GenerationDone)))]
pub struct StreamEvents;
