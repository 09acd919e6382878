//! POST /api/v1/prototypes/{id}/variants (STREAM: Lambda response streaming)

use crate::routes::{Route, GENERATE};
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use shared::auth::TokenCaller;
use shared::http::{Json, Path};
use shared::prototypes::api::VariantRequest;
use shared::prototypes::generate;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route = Route::new("prototype-variants-create", GENERATE, || routes!(handle)).streaming();

/// A new variant: Claude redesigns the screen from a variant's latest page (the original by default), streamed as Server-Sent Events.
///
/// The events: `start` (`GenerationStart`), `delta` (`StreamDelta`) as the model writes, then `done`
/// (`GenerationDone`, what was stored) or `error` (`StreamError`: `invalid_model_output` when the reply
/// holds no complete `<prototype_file>`, and then nothing is stored); `: keep-alive` comments while the
/// model is quiet. Failures before the stream starts are ordinary JSON errors.
/// A `from_variant_id` that names no variant of this prototype is a 400 on that field.
#[utoipa::path(post, path = "/api/v1/prototypes/{id}/variants", tag = "prototypes", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Prototype id")),
    request_body = VariantRequest,
    responses((status = 200, content_type = "text/event-stream", description = "The page as Server-Sent Events"),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody), (status = 502, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, caller: TokenCaller, Path(id): Path<Uuid>, Json(body): Json<VariantRequest>) -> ApiResult<Response> {
    Ok(generate::variant(deps, caller, id, body).await?.map(Body::new))
}
