//! POST /api/v1/chat/stream (STREAM: Lambda response streaming)

use crate::routes::{Route, CHAT};
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use shared::auth::TokenCaller;
use shared::chat::api::{StreamDelta, StreamDone, StreamError, StreamRequest, StreamStart};
use shared::AppState;
use shared::http::Json;
use shared::ApiResult;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("chat-stream", CHAT, || routes!(handle)).streaming();

/// Send a message; the answer streams back as Server-Sent Events.
///
/// The events: `start` (`StreamStart`), `delta` (`StreamDelta`) as the model writes, then `done`
/// (`StreamDone`) or `error` (`StreamError`, the text so far is kept);
/// `: keep-alive` comments while the model is quiet. Failures before the stream
/// starts are ordinary JSON errors.
#[utoipa::path(post, path = "/api/v1/chat/stream", tag = "chats", security(("bearer" = [])),
    request_body = StreamRequest,
    responses((status = 200, content_type = "text/event-stream", description = "The answer as Server-Sent Events"),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody),
        (status = 502, body = shared::error::ErrorBody)))]
pub async fn handle(
    State(deps): State<AppState>,
    caller: TokenCaller,
    Json(body): Json<StreamRequest>,
) -> ApiResult<Response> {
    Ok(shared::chat::stream::start(deps, caller, body).await?.map(Body::new))
}

/// The event payloads, for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(StreamStart, StreamDelta, StreamDone, StreamError)))]
pub struct StreamEvents;
