//! GET /api/v1/prototypes/{id}/variants/{vid}/versions/{n}/preview

use crate::routes::{Route, PUBLIC_PAGE};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use http::HeaderValue;
use shared::http::{Path, Query};
use shared::prototypes::api::PreviewQuery;
use shared::prototypes::pages;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;
use uuid::Uuid;

pub static ROUTE: Route =
    Route::new("prototype-versions-preview", PUBLIC_PAGE, || routes!(handle)).public();

/// The policy a previewed page runs under. `sandbox allow-scripts` without
/// `allow-same-origin` gives the page an opaque origin: it cannot read the API's cookies or
/// storage, and any request it makes is cross-origin and credential-free. Scripts may come
/// from the page itself and the Tailwind CDN only; nothing may be fetched (`connect-src
/// 'none'`), no form can be sent, and no other site can frame it but the frontend.
pub fn content_security_policy(frame_ancestors: &[String]) -> String {
    let ancestors = if frame_ancestors.is_empty() { "'none'".to_string() } else { frame_ancestors.join(" ") };
    format!(
        "sandbox allow-scripts allow-popups; default-src 'none'; \
         script-src 'unsafe-inline' https://cdn.tailwindcss.com; style-src 'unsafe-inline' https://fonts.googleapis.com; \
         font-src https://fonts.gstatic.com data:; img-src data: blob: https:; media-src data: https:; \
         connect-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors {ancestors}"
    )
}

/// Open a version's page: the `sig` of its `preview_url` stands in for the token, so an iframe can load it.
///
/// The page is served as `text/html` under a sandboxing Content-Security-Policy (scripts allowed, not
/// same-origin), with `X-Content-Type-Options: nosniff`. A missing, forged, expired or other version's
/// `sig` is a 401.
#[utoipa::path(get, path = "/api/v1/prototypes/{id}/variants/{vid}/versions/{n}/preview", tag = "prototypes",
    params(("id" = uuid::Uuid, Path, description = "Prototype id"), ("vid" = uuid::Uuid, Path, description = "Variant id"), ("n" = i64, Path, description = "Version number (from 1)"), PreviewQuery),
    responses((status = 200, content_type = "text/html", body = String, description = "The page"), (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody), (status = 404, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>, Path((id, vid, n)): Path<(Uuid, Uuid, i64)>, Query(query): Query<PreviewQuery>) -> ApiResult<Response> {
    let html = pages::preview(&deps, id, vid, n, query.sig.as_deref()).await?;
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    let policy = content_security_policy(&deps.config.cors_allowed_origins);
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}
