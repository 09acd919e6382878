//! The axum application: the Router of a set of routes with what every response
//! gets (the contract's 404 and 405, CORS, a log line, an opaque 500 for a panic), for
//! one function in a Lambda or for every route in the local gateway.

use crate::openapi::ApiDocument;
use crate::routes::Route;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use shared::http::{allowed_origin, apply_cors, preflight};
use shared::ApiError;
use shared::AppState;
use std::time::Instant;
use tower::util::MapRequest;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::normalize_path::NormalizePath;

/// The Router of `routes`: each one's handler, then the layers every response goes through.
pub fn router<'a>(routes: impl IntoIterator<Item = &'a Route>, deps: AppState) -> Router {
    let mut app = utoipa_axum::router::OpenApiRouter::new();
    for route in routes {
        let (schemas, paths, method_router) = (route.endpoint)();
        let scope = crate::routes::scope(route.name, route.permissions);
        let logged = method_router.layer(middleware::from_fn(move |req: Request, next: Next| log(scope, req, next)));
        app = app.routes((schemas, paths, logged));
    }
    let (app, _) = app.split_for_parts();
    let app = app
        .layer(Extension(ApiDocument(crate::document::document)))
        .fallback(|| async { ApiError::not_found() })
        // A panicking handler gets what Lambda's runtime would give it: an opaque 500
        // (and a log line), not a dropped connection.
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            internal_error()
        }))
        .with_state(deps.clone());
    // Around the whole Router: its 405s get `Allow` where its layers cannot see it.
    Router::new()
        .fallback_service(app)
        .layer(middleware::map_response(method_not_allowed))
        .layer(middleware::from_fn_with_state(deps, cors))
}

/// The service a server runs: the Router, with a trailing slash ignored (as API Gateway does).
pub type Service = NormalizePath<Router>;

/// Every route, for the local gateway.
pub fn local(deps: AppState) -> Service {
    NormalizePath::trim_trailing_slash(router(crate::table::routes().iter().copied(), deps))
}

/// One function's route, as its Lambda serves it. lambda_http puts a REST API's stage in
/// front of the path (`/prod/api/v1/...`); the route is matched without it.
pub fn lambda(route: &Route, deps: AppState) -> LambdaService {
    NormalizePath::trim_trailing_slash(router([route], deps)).map_request(without_stage)
}

pub type LambdaService = MapRequest<Service, fn(lambda_http::Request) -> lambda_http::Request>;

/// The request with API Gateway's stage taken off the front of its path. (lambda_http
/// leaves a path alone that already starts with the stage, so a stage named like the
/// first segment of the routes, `api`, could not be told apart; the template's is `live`.)
fn without_stage(mut req: lambda_http::Request) -> lambda_http::Request {
    let Some(RequestContext::ApiGatewayV1(context)) = req.extensions().get::<RequestContext>() else {
        return req;
    };
    let Some(stage) = context.stage.as_deref() else { return req };
    let prefix = format!("/{stage}");
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix(&prefix).filter(|rest| rest.starts_with('/')) else {
        return req;
    };
    let path_and_query = match req.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(path_and_query) = path_and_query.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// One JSON log line per request (bodies and headers are never logged, so passwords
/// and tokens cannot leak).
/// The handler runs within the route's access (`shared::access`).
async fn log(scope: shared::access::Scope, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let function = scope.function;
    let response = shared::access::run_as(scope, next.run(req)).await;
    tracing::info!(
        function,
        method = method.as_str(),
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// axum answers a method the path does not serve with a bare 405 and `Allow`; the
/// contract wants its error body too, and `Allow` as the route table has it (axum adds
/// HEAD, which it answers for every GET).
async fn method_not_allowed(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(CONTENT_TYPE) {
        return response;
    }
    let mut answer =
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed.").into_response();
    let allow = response.headers().get(ALLOW).and_then(|allow| allow.to_str().ok()).unwrap_or_default();
    let methods: Vec<&str> = allow.split(',').map(str::trim).filter(|m| !m.is_empty() && *m != "HEAD").collect();
    if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
        answer.headers_mut().insert(ALLOW, allow);
    }
    answer
}

/// CORS for the configured origins: preflights are answered here, every other
/// response gets `Access-Control-Allow-Origin` for an allowed origin.
async fn cors(axum::extract::State(deps): axum::extract::State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return preflight(&deps.config, req.headers());
    }
    let origin = allowed_origin(&deps.config, req.headers());
    let mut response = next.run(req).await;
    apply_cors(origin, response.headers_mut());
    response
}

fn internal_error() -> Response {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side.")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[tokio::test]
    async fn a_wrong_method_is_405_with_the_methods_of_the_table() {
        let answer = method_not_allowed(
            Response::builder()
                .status(StatusCode::METHOD_NOT_ALLOWED)
                .header(ALLOW, "GET,HEAD,PATCH,DELETE")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers()[ALLOW], "GET, PATCH, DELETE");
        assert_eq!(answer.headers()[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn the_stage_is_taken_off_the_path() {
        let event = |stage: &str, path: &str| {
            let mut context = lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext::default();
            context.stage = Some(stage.into());
            let mut req = lambda_http::Request::new(lambda_http::Body::Empty);
            *req.uri_mut() = path.parse().unwrap();
            req.extensions_mut().insert(RequestContext::ApiGatewayV1(context));
            without_stage(req).uri().to_string()
        };
        assert_eq!(event("live", "/live/api/v1/chats?limit=2"), "/api/v1/chats?limit=2");
        assert_eq!(event("live", "/api/v1/chats"), "/api/v1/chats");
        assert_eq!(event("live", "/livewire/x"), "/livewire/x");
    }
}
