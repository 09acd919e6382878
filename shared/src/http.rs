//! The HTTP edge every handler shares, on axum: typed extractors whose rejections are
//! the contract's errors (`Json`, `Path`, `Query`, the caller's IP), the JSON response,
//! the auth header, and CORS. The same extractors serve in a Lambda (lambda_http hands
//! axum the API Gateway request) and in the local gateway.

use crate::config::Config;
use crate::error::{ApiError, ErrorBody};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, StatusCode};
use lambda_http::request::RequestContext;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::net::SocketAddr;

/// API Gateway's own payload limit is 10 MB; JSON bodies of this API are far smaller.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// A JSON request body (always an object) or a JSON response.
///
/// As an extractor: a body declared as something other than JSON is 415, one over
/// `MAX_JSON_BODY` is 413, and a missing, malformed or non-object body is 400
/// `invalid_request`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
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
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON_BODY).await.map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses a JSON object.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::invalid_request("A JSON request body is required.")),
        // serde maps a JSON array onto a struct field by field; every body of this
        // API is an object, so anything else is refused before it gets the chance.
        Some(b'{') => {}
        Some(_) => return Err(ApiError::invalid_request("The request body must be a JSON object.")),
    }
    serde_json::from_slice(bytes).map_err(|err| ApiError::invalid_request(format!("Invalid request body: {err}.")))
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response(),
            Err(err) => ApiError::internal("serialising a response", &err).into_response(),
        }
    }
}

/// Path parameters. One that does not parse (an id that is no UUID) names nothing
/// that exists: 404, as an unknown id would be.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// The query string, typed. A value of the wrong type is a 400 naming the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = err.path().to_string();
        let problem = query_problem(err.inner());
        if field.is_empty() || field == "." {
            ApiError::invalid_request(format!("Invalid query string: {problem}."))
        } else {
            ApiError::invalid_field(&field, problem)
        }
    })
}

/// serde's message, in the contract's words where it is one of the usual ones.
fn query_problem(err: &serde_urlencoded::de::Error) -> String {
    let text = err.to_string();
    if text.contains("invalid digit") || text.contains("invalid type") || text.contains("number") {
        "A valid integer is required.".into()
    } else if text.contains("provided string was not `true` or `false`") {
        "Must be true or false.".into()
    } else if text.contains("UUID") || text.contains("invalid character") || text.contains("invalid length") {
        "Must be a valid UUID.".into()
    } else {
        let mut text = text;
        if let Some(first) = text.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        format!("{}.", text.trim_end_matches('.'))
    }
}

/// The caller's address: API Gateway's `requestContext.identity.sourceIp` in a Lambda
/// (never a spoofable header), the socket's peer in the local gateway.
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(RequestContext::ApiGatewayV1(context)) = parts.extensions.get::<RequestContext>() {
            return Ok(Self(context.identity.source_ip.clone()));
        }
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip().to_string())))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::warn!(code = self.code, "request failed");
        }
        let body: ErrorBody = self.body();
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The token of `Authorization: Bearer <token>` or the Knox-style `Token <token>`.
pub fn auth_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    (known && !token.is_empty()).then_some(token)
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
pub fn preflight(config: &Config, request_headers: &HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
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
    use serde::Deserialize;

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

    #[derive(Deserialize, Debug, PartialEq)]
    struct Filter {
        archived: Option<bool>,
        limit: Option<u32>,
        project_id: Option<uuid::Uuid>,
        q: Option<String>,
    }

    #[test]
    fn queries_parse_typed_and_name_the_bad_parameter() {
        let filter: Filter = parse_query("archived=true&limit=5&q=a%20b").unwrap();
        assert_eq!(filter, Filter { archived: Some(true), limit: Some(5), project_id: None, q: Some("a b".into()) });
        for (query, field) in [("archived=maybe", "archived"), ("limit=abc", "limit"), ("limit=-1", "limit")] {
            let err = parse_query::<Filter>(query).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(err.fields.unwrap().contains_key(field), "{query}");
        }
        let err = parse_query::<Filter>("project_id=nope").unwrap_err();
        assert_eq!(err.fields.unwrap()["project_id"], ["Must be a valid UUID."]);
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(parse_json::<serde_json::Value>(b" {\"a\": 1}").is_ok());
        for body in [&b""[..], b"  ", b"[1]", b"\"x\"", b"{"] {
            assert_eq!(parse_json::<serde_json::Value>(body).unwrap_err().status, StatusCode::BAD_REQUEST);
        }
    }
}
