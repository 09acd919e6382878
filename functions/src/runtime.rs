//! Running a function: logging setup, building `Deps` once per container, and the
//! wrapper every HTTP handler runs in (error mapping, CORS, one log line per request).

use crate::routes::{Handler, Route};
use http::HeaderValue;
use lambda_http::{Body, Request, Response};
use shared::http::{allowed_origin, apply_cors, error_response};
use shared::sse::StreamBody;
use shared::{ApiError, Deps};
use std::sync::Arc;
use std::time::Instant;

/// JSON logs to stdout (CloudWatch). Level from `LOG_LEVEL` (default `info`).
/// Request bodies and headers are never logged, so passwords and tokens cannot leak.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}

/// Runs one request of a buffered route through its handler and turns the outcome
/// into the response api.md specifies.
pub async fn call_http(route: &Route, deps: &Deps, req: Request) -> Response<Body> {
    let Handler::Buffered(handler) = route.handler else {
        tracing::error!(function = route.name, "a STREAM route was run as a buffered one");
        let err = ApiError::new(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side.",
        );
        return error_response(&err);
    };
    let started = Instant::now();
    let origin = allowed_origin(&deps.config, req.headers());
    let response = handler(deps, req).await.unwrap_or_else(|err| failure(route, &err));
    finish(route, origin, started, response)
}

/// Runs one request of a STREAM route: the response (headers) returns as soon as the
/// stream starts; its body is written by the handler's own task.
pub async fn call_stream(route: &Route, deps: Arc<Deps>, req: Request) -> Response<StreamBody> {
    let Handler::Streaming(handler) = route.handler else {
        return StreamBody::from_response(call_http(route, &deps, req).await);
    };
    let started = Instant::now();
    let origin = allowed_origin(&deps.config, req.headers());
    let response = handler(deps, req).await.unwrap_or_else(|err| StreamBody::from_response(failure(route, &err)));
    finish(route, origin, started, response)
}

fn failure(route: &Route, err: &ApiError) -> Response<Body> {
    if err.status.is_server_error() {
        tracing::warn!(function = route.name, code = err.code, "request failed");
    }
    error_response(err)
}

fn finish<B>(route: &Route, origin: Option<HeaderValue>, started: Instant, mut response: Response<B>) -> Response<B> {
    apply_cors(origin, response.headers_mut());
    tracing::info!(
        function = route.name,
        method = route.method,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}
