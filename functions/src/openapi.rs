//! GET /api/v1/openapi.json: the OpenAPI 3.1 document (built by `crate::document`).

use crate::routes::Route;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::request::Parts;
use lambda_http::request::RequestContext;
use serde_json::{json, Value};
use shared::http::Json;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("openapi", &[], || routes!(handle)).public();

/// The document, handed to the handler by the application that serves it (it lists
/// every route, so it is built where the route table is known).
#[derive(Clone, Copy)]
pub struct ApiDocument(pub fn() -> &'static Value);

/// What a request's path has in front of the route's (API Gateway's stage, e.g. `/live`,
/// or a custom domain's base path); empty locally.
fn base_path(request: &Parts) -> String {
    let Some(RequestContext::ApiGatewayV1(ctx)) = request.extensions.get::<RequestContext>() else {
        return String::new();
    };
    let (Some(path), Some(resource)) = (ctx.path.as_deref(), ctx.resource_path.as_deref()) else {
        return String::new();
    };
    let path = path.trim_end_matches('/');
    path.strip_suffix(resource).filter(|prefix| prefix.starts_with('/')).unwrap_or_default().to_string()
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn handle(Extension(document): Extension<ApiDocument>, request: Parts) -> Response {
    let document = (document.0)();
    let prefix = base_path(&request);
    if prefix.is_empty() {
        return Json(document).into_response();
    }
    let mut doc = document.clone();
    doc["servers"][0]["url"] = json!(prefix);
    Json(doc).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_server_carries_the_stage_a_request_came_through() {
        use lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext;
        use lambda_http::request::RequestContext;
        let request = |path: Option<&str>| {
            let mut request = http::Request::new(()).into_parts().0;
            if let Some(path) = path {
                let mut ctx = ApiGatewayProxyRequestContext::default();
                ctx.path = Some(path.to_string());
                ctx.resource_path = Some("/api/v1/openapi.json".into());
                request.extensions.insert(RequestContext::ApiGatewayV1(ctx));
            }
            request
        };
        assert_eq!(super::base_path(&request(Some("/live/api/v1/openapi.json"))), "/live");
        assert_eq!(super::base_path(&request(Some("/api/v1/openapi.json/"))), "");
        assert_eq!(super::base_path(&request(None)), "");
    }
}
