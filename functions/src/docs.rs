//! GET /api/v1/docs: interactive documentation (Swagger UI) over `openapi.json`.
//! The page is a string in the binary; the browser loads Swagger UI from jsDelivr, pinned
//! to one version and checked with Subresource Integrity, under a Content-Security-Policy
//! that allows exactly that, the one inline script below (by its hash), and requests to
//! this origin ("Try it out").

use base64::Engine;
use http::header::{HeaderValue, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use crate::routes::Route;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("docs", &[], || routes!(handle)).public();

const SWAGGER_UI: &str = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0";
/// `sha384` of the files of swagger-ui-dist 5.35.0 as published on npm (jsDelivr serves them unchanged).
const BUNDLE_SRI: &str = "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9";
const CSS_SRI: &str = "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I";

/// The document sits next to this page (`…/api/v1/docs` → `…/api/v1/openapi.json`),
/// whatever prefix (API Gateway stage, custom domain path) is in front of both.
const BOOT: &str = r##"
window.ui = SwaggerUIBundle({
  url: location.pathname.replace(/\/docs\/?$/, "/openapi.json"),
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null
});
"##;

fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        format!(
            r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>myclaude API</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css" integrity="{CSS_SRI}" crossorigin="anonymous">
</head>
<body>
<noscript>This page needs JavaScript. The API description itself is <a href="openapi.json">openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js" integrity="{BUNDLE_SRI}" crossorigin="anonymous"></script>
<script>{BOOT}</script>
</body>
</html>
"##
        )
    })
}

/// Scripts: Swagger UI from the CDN and the inline boot script by hash, nothing else.
/// Styles may be inline (Swagger UI sets some); images are its inline SVGs.
fn content_security_policy() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let boot_hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(BOOT.as_bytes()));
        format!(
            "default-src 'none'; script-src https://cdn.jsdelivr.net 'sha256-{boot_hash}'; \
             style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    })
}

/// Interactive documentation of this API.
#[utoipa::path(get, path = "/api/v1/docs", tag = "meta",
    responses((status = 200, description = "An HTML page (Swagger UI) over `/api/v1/openapi.json`",
        content_type = "text/html", body = String)))]
pub async fn handle() -> Response {
    let mut response = page().into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(content_security_policy()));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_inline_script_it_serves() {
        let page = page();
        let start = page.find("<script>").unwrap() + "<script>".len();
        let end = start + page[start..].find("</script>").unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&page.as_bytes()[start..end]));
        assert!(content_security_policy().contains(&format!("'sha256-{hash}'")));
        assert_eq!(page.matches("<script").count(), 2, "one CDN script, one inline script");
        let scripts = content_security_policy().split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe"), "{scripts}");
    }
}
