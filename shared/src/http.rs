//! HTTP helpers shared by every handler: JSON in and out, the error response,
//! auth header parsing, the caller's IP, path parameters and CORS.

use crate::error::{ApiError, ApiResult};
use crate::Config;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// API Gateway's own payload limit is 10 MB; JSON bodies of this API are far smaller.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = match serde_json::to_string(value) {
        Ok(body) => body,
        Err(err) => return error_response(&ApiError::internal("serialising a response", &err)),
    };
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub fn ok<T: Serialize>(value: &T) -> Response<Body> {
    json(StatusCode::OK, value)
}

pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

pub fn error_response(err: &ApiError) -> Response<Body> {
    let mut response = json(err.status, &err.body());
    if let Some(seconds) = err.retry_after {
        response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Parses a JSON body. Any problem with it is a 400 `invalid_request` (or 415 for a
/// body declared as something other than JSON, 413 for an oversized one).
pub fn parse_json<T: DeserializeOwned>(req: &Request) -> ApiResult<T> {
    if let Some(content_type) = req.headers().get(CONTENT_TYPE) {
        let essence = content_type.to_str().unwrap_or("").split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "The request body must be JSON (Content-Type: application/json).",
            ));
        }
    }
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => b"",
    };
    if bytes.len() > MAX_JSON_BODY {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is too large.",
        ));
    }
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::invalid_request("A JSON request body is required.")),
        // serde maps a JSON array onto a struct field by field; every body of this
        // API is an object, so anything else is refused before it gets the chance.
        Some(b'{') => {}
        Some(_) => return Err(ApiError::invalid_request("The request body must be a JSON object.")),
    }
    serde_json::from_slice(bytes).map_err(|err| ApiError::invalid_request(format!("Invalid request body: {err}.")))
}

/// The token of `Authorization: Bearer <token>` or the Knox-style `Token <token>`.
pub fn auth_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    (known && !token.is_empty()).then_some(token)
}

/// The caller's address as API Gateway saw it (never a spoofable header).
pub fn client_ip(req: &Request) -> Option<String> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

pub fn path_param(req: &Request, name: &str) -> ApiResult<String> {
    req.path_parameters_ref().and_then(|params| params.first(name)).map(str::to_string).ok_or_else(ApiError::not_found)
}

/// A query string parameter (the first, if repeated).
pub fn query_param<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query_string_parameters_ref().and_then(|params| params.first(name))
}

pub const CORS_ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
pub const CORS_ALLOWED_HEADERS: &str = "Authorization, Content-Type";

/// The request's `Origin` if configuration allows it.
pub fn allowed_origin(config: &Config, request_headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = request_headers.get(http::header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    config.cors_allowed_origins.iter().any(|allowed| allowed == text).then(|| origin.clone())
}

/// Adds `Access-Control-Allow-Origin` (and `Vary: Origin`) for an allowed origin, as
/// found by `allowed_origin` before the request was handed to its handler.
pub fn apply_cors(allowed: Option<HeaderValue>, response_headers: &mut HeaderMap) {
    response_headers.append(http::header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed {
        response_headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
}

/// The answer to a CORS preflight: 204 with the allowed methods and headers for an
/// allowed origin, a bare 204 for any other.
pub fn preflight(config: &Config, request_headers: &HeaderMap) -> Response<Body> {
    let mut response = no_content();
    let headers = response.headers_mut();
    let allowed = allowed_origin(config, request_headers);
    if allowed.is_some() {
        headers.insert(http::header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(CORS_ALLOWED_METHODS));
        headers.insert(http::header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(CORS_ALLOWED_HEADERS));
        headers.insert(http::header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    apply_cors(allowed, headers);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(http::header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn both_auth_schemes_are_accepted() {
        assert_eq!(auth_token(&headers("Bearer abc")), Some("abc"));
        assert_eq!(auth_token(&headers("Token abc")), Some("abc"));
        assert_eq!(auth_token(&headers("bearer  abc ")), Some("abc"));
        assert_eq!(auth_token(&headers("Basic abc")), None);
        assert_eq!(auth_token(&headers("Bearer ")), None);
        assert_eq!(auth_token(&headers("abc")), None);
    }
}
