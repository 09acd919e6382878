//! Running a function: logging setup, building `Deps` once per container, and the
//! wrapper every HTTP handler runs in (error mapping, CORS, one log line per request).

use crate::routes::Route;
use lambda_http::{Body, Request, Response};
use shared::http::{allowed_origin, apply_cors, error_response};
use shared::Deps;
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

/// Runs one HTTP request through its route's handler and turns the outcome into the
/// response api.md specifies.
pub async fn call_http(route: &Route, deps: &Deps, req: Request) -> Response<Body> {
    let started = Instant::now();
    let origin = allowed_origin(&deps.config, req.headers());
    let mut response = match (route.handler)(deps, req).await {
        Ok(response) => response,
        Err(err) => {
            if err.status.is_server_error() {
                tracing::warn!(function = route.name, code = err.code, "request failed");
            }
            error_response(&err)
        }
    };
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
