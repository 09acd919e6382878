//! The `/prototypes` functions: a prototype, its variants and versions, generating new
//! ones, and the sandboxed preview of a version.

use axum::extract::FromRequestParts;
use http::request::Parts;
use lambda_http::request::RequestContext;
use shared::{ApiError, AppState};

crate::routes::route_modules!(
    delete,
    get,
    preview,
    update,
    variants_create,
    variants_delete,
    variants_get,
    versions_create,
    versions_get
);

/// The API's own public address, up to `/api/v1`, for links to itself: `PUBLIC_API_URL`
/// when set; else, behind API Gateway, its domain and stage; else the request's `Host`
/// (the local gateway).
pub struct ApiBase(pub String);

impl FromRequestParts<AppState> for ApiBase {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, deps: &AppState) -> Result<Self, ApiError> {
        if let Some(url) = &deps.config.public_api_url {
            return Ok(Self(url.trim_end_matches('/').to_string()));
        }
        if let Some(RequestContext::ApiGatewayV1(context)) = parts.extensions.get::<RequestContext>() {
            if let (Some(domain), Some(stage)) = (&context.domain_name, &context.stage) {
                return Ok(Self(format!("https://{domain}/{stage}")));
            }
        }
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let host = header("host").unwrap_or_else(|| "127.0.0.1".into());
        let scheme =
            header("x-forwarded-proto").filter(|p| p == "https" || p == "http").unwrap_or_else(|| "http".into());
        Ok(Self(format!("{scheme}://{host}")))
    }
}
