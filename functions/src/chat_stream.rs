//! POST /api/v1/chat/stream (STREAM: Lambda response streaming)

use lambda_http::Request;
use shared::auth::TokenCaller;
use shared::chat::api::{StreamDelta, StreamDone, StreamError, StreamRequest, StreamStart};
use shared::http::parse_json;
use shared::sse::StreamBody;
use shared::{ApiResult, Deps};
use std::sync::Arc;

/// Send a message and receive the answer as Server-Sent Events: `start`
/// (`StreamStart`), `delta` (`StreamDelta`) as the model writes, then `done`
/// (`StreamDone`) or `error` (`StreamError`, the text so far is kept);
/// `: keep-alive` comments while the model is quiet. Failures before the stream
/// starts are ordinary JSON errors.
#[utoipa::path(post, path = "/api/v1/chat/stream", tag = "chats", security(("bearer" = [])),
    request_body = StreamRequest,
    responses((status = 200, content_type = "text/event-stream", description = "The answer as Server-Sent Events"),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody),
        (status = 502, body = shared::error::ErrorBody)))]
pub async fn handle(deps: Arc<Deps>, req: Request) -> ApiResult<http::Response<StreamBody>> {
    let caller = TokenCaller::from_headers(&deps, req.headers())?;
    let body: StreamRequest = parse_json(&req)?;
    shared::chat::stream::start(deps, caller, body).await
}

/// The event payloads, for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(StreamStart, StreamDelta, StreamDone, StreamError)))]
pub struct StreamEvents;
