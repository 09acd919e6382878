//! The local API Gateway: serves every route of the route table over HTTP, building
//! the same `lambda_http::Request` (path and query parameters, request context with
//! the caller's IP) that API Gateway's REST proxy integration hands a function.
//! STREAM routes stream, as with Lambda response streaming.

use axum::body::to_bytes;
use axum::extract::{ConnectInfo, State};
use axum::response::IntoResponse;
use functions::routes::{lookup, Lookup};
use functions::runtime::call_stream;
use futures::FutureExt;
use http::{header, HeaderValue, Method, StatusCode};
use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use shared::http::{allowed_origin, apply_cors, error_response, preflight};
use shared::{ApiError, Deps};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::net::TcpListener;

/// API Gateway's payload limit.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// Serves until `shutdown` resolves.
pub async fn serve(
    deps: Arc<Deps>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = axum::Router::new().fallback(handle).with_state(deps);
    // Events are small writes: without TCP_NODELAY, Nagle's algorithm holds each one
    // back until the client acknowledged the previous one.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handle(
    State(deps): State<Arc<Deps>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    if parts.method == Method::OPTIONS {
        return into_axum(preflight(&deps.config, &parts.headers));
    }
    let (route, params) = match lookup(parts.method.as_str(), parts.uri.path()) {
        Lookup::Found(route, params) => (route, params),
        Lookup::MethodNotAllowed(allowed) => {
            let err = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed.");
            let mut response = gateway_error(&deps, &parts.headers, &err);
            if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            return response;
        }
        Lookup::NotFound => return gateway_error(&deps, &parts.headers, &ApiError::not_found()),
    };
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        let err = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.");
        return gateway_error(&deps, &parts.headers, &err);
    };
    let body = if bytes.is_empty() {
        lambda_http::Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => lambda_http::Body::Text(text),
            Err(err) => lambda_http::Body::Binary(err.into_bytes()),
        }
    };
    let query: HashMap<String, Vec<String>> = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .fold(HashMap::new(), |mut map, (k, v)| {
            map.entry(k).or_default().push(v);
            map
        });
    let path_params: HashMap<String, String> = params.into_iter().collect();
    let mut context = ApiGatewayProxyRequestContext::default();
    context.identity.source_ip = Some(peer.ip().to_string());
    context.request_id = Some(uuid::Uuid::new_v4().to_string());
    context.http_method = parts.method.clone();
    context.resource_path = Some(route.path.to_string());
    context.path = Some(parts.uri.path().to_string());
    context.stage = Some("local".into());
    let request = http::Request::from_parts(parts, body)
        .with_path_parameters(path_params)
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV1(context));
    // A panicking handler gets what Lambda's runtime would give it: an opaque 500
    // (and a log line), not a dropped connection.
    let origin = allowed_origin(&deps.config, request.headers());
    match AssertUnwindSafe(call_stream(route, deps.clone(), request)).catch_unwind().await {
        // STREAM routes' bodies are written as their events come (hyper sends each
        // frame as a chunk at once); the others are one frame.
        Ok(response) => response.map(axum::body::Body::new),
        Err(_) => {
            tracing::error!(function = route.name, "handler panicked");
            let mut response = error_response(&ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong on our side.",
            ));
            apply_cors(origin, response.headers_mut());
            into_axum(response)
        }
    }
}

fn gateway_error(deps: &Deps, headers: &http::HeaderMap, err: &ApiError) -> axum::response::Response {
    let mut response = error_response(err);
    apply_cors(allowed_origin(&deps.config, headers), response.headers_mut());
    into_axum(response)
}

fn into_axum(response: lambda_http::Response<lambda_http::Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    (parts.status, parts.headers, bytes).into_response()
}
