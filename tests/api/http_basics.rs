use serde_json::json;
use system_tests::*;

#[tokio::test]
async fn malformed_bodies_are_invalid_request_and_change_nothing() {
    let mut app = TestApp::spawn().await;
    let email = unique_email();
    let long = "x".repeat(5000);
    let bad_bodies: Vec<(&str, String)> = vec![
        ("not json", "{\"email\": ".to_string()),
        ("wrong type", json!({"email": email, "password": 1234567890123_u64}).to_string()),
        ("unknown field", json!({"email": email, "password": PASSWORD, "is_admin": true}).to_string()),
        ("over-long email", json!({"email": format!("{long}@example.com"), "password": PASSWORD}).to_string()),
        ("over-long name", json!({"email": email, "password": PASSWORD, "first_name": long}).to_string()),
        ("over-long password", json!({"email": email, "password": long}).to_string()),
        ("array", "[]".to_string()),
        ("empty", String::new()),
    ];
    for (what, body) in bad_bodies {
        // Registration is rate-limited per IP; each attempt comes from a new one.
        app.new_ip();
        let request =
            app.http.post(app.url("/api/v1/auth/register")).header("Content-Type", "application/json").body(body);
        let reply = app.send(request).await;
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request", "{what}");
        assert!(reply.body["error"]["message"].is_string(), "{what}");
    }
    let form =
        app.send(app.http.post(app.url("/api/v1/auth/register")).header("Content-Type", "text/plain").body("hi")).await;
    assert_eq!(form.status, 415);
    assert_eq!(form.body["error"]["code"], "unsupported_media_type");
    // Nothing was created: the address can still register and only then gets mail.
    assert!(mails_to(&email, "").await.is_empty());
    app.new_ip();
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    assert_eq!(wait_for_mail(&email, "Verify", 1).await.len(), 1);

    let user = app.verified_user().await;
    let before = app.get_auth("/api/v1/auth/me", &user.token).await.body;
    let patch = app
        .call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"first_name": "Ada", "last_name": long})))
        .await;
    assert_eq!(patch.status, 400);
    assert!(patch.body["error"]["fields"]["last_name"].is_array());
    let wrong_type = app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"first_name": 7}))).await;
    assert_eq!(wrong_type.body["error"]["code"], "invalid_request");
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.body, before, "profile unchanged");
}

#[tokio::test]
async fn trailing_slashes_unknown_routes_and_wrong_methods() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    assert_eq!(app.get_auth("/api/v1/auth/me/", &user.token).await.status, 200);
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    let slash_login = app.post("/api/v1/auth/login/", json!({"email": user.email, "password": PASSWORD})).await;
    assert_eq!(slash_login.status, 200);
    let missing = app.get_auth("/api/v1/nothing-here", &user.token).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "not_found");
    let wrong = app.call("DELETE", "/api/v1/auth/login", None, None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.body["error"]["code"], "method_not_allowed");
    assert_eq!(wrong.headers["allow"], "POST");
}

#[tokio::test]
async fn method_not_allowed_lists_the_methods_the_path_has() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let put = app.call("PUT", "/api/v1/auth/me/", Some(&user.token), Some(json!({"first_name": "Ada"}))).await;
    assert_eq!(put.status, 405, "{}", put.text);
    assert_eq!(put.headers["allow"], "GET, PATCH, DELETE");
    assert_eq!(put.body["error"]["code"], "method_not_allowed");
    // Every path of the route table, asked with a method it lacks, names exactly the
    // methods that are served there (and no method is left out of `Allow`).
    let id = uuid::Uuid::new_v4().to_string();
    let paths: std::collections::BTreeSet<&str> = functions::routes().iter().map(|r| r.path()).collect();
    for path in paths {
        let concrete = path.replace("{id}", &id).replace("{pair_id}", &id).replace("{kid}", &id);
        // A literal segment wins over another route's `{id}`: `/files/validate` is POST only.
        let served: Vec<&str> = functions::routes().iter().filter(|r| r.path() == path).map(|r| r.method()).collect();
        let missing = ["GET", "POST", "PUT", "PATCH", "DELETE"].into_iter().find(|m| !served.contains(m)).unwrap();
        let reply = app.call(missing, &concrete, Some(&user.token), None).await;
        assert_eq!(reply.status, 405, "{missing} {path}");
        let allow = reply.headers["allow"].to_str().unwrap();
        let mut listed: Vec<&str> = allow.split(", ").collect();
        let mut expected = served;
        listed.sort_unstable();
        expected.sort_unstable();
        assert_eq!(listed, expected, "Allow of {path}");
    }
    // Unknown paths stay 404, without `Allow`.
    let missing = app.call("PUT", "/api/v1/nothing-here", Some(&user.token), None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.headers.get("allow").is_none());
}

#[tokio::test]
async fn public_routes_are_exactly_those_the_document_marks_public() {
    let app = TestApp::spawn().await;
    let doc = app.call("GET", "/api/v1/openapi.json", None, None).await.body;
    let id = uuid::Uuid::new_v4().to_string();
    let mut public = Vec::new();
    for route in functions::routes() {
        let path = route.path().replace("{id}", &id).replace("{pair_id}", &id).replace("{kid}", &id);
        let body = (route.method() != "GET").then(|| json!({}));
        let reply = app.call(route.method(), &path, None, body).await;
        assert!(reply.status < 500, "{}: {} {}", route.name, reply.status, reply.text);
        let security = &doc["paths"][route.path()][route.method().to_lowercase()]["security"];
        if reply.status == 401 {
            assert_eq!(reply.body["error"]["code"], "not_authenticated", "{}", route.name);
            assert_eq!(security, &json!([{"bearer": []}]), "{} needs a token; the document must say so", route.name);
        } else {
            assert_eq!(security, &json!([]), "{} answered {} without a token", route.name, reply.status);
            public.push(route.name);
        }
    }
    assert!(public.contains(&"auth-login") && public.contains(&"docs"), "{public:?}");
}

#[tokio::test]
async fn interactive_docs_over_the_openapi_document() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/docs", "/api/v1/docs/"] {
        let page = app.call("GET", path, None, None).await;
        assert_eq!(page.status, 200, "{path}");
        let content_type = page.headers["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(page.text.contains("openapi.json"), "the page loads the document");
        assert!(page.text.contains("swagger-ui-bundle.js"));
        assert!(page.text.contains("integrity=\"sha384-"), "CDN assets are pinned by hash");
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("unsafe"), "{scripts}");
    }
    // The page's document, served next to it, describes the page too.
    let doc = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.body["paths"]["/api/v1/docs"]["get"]["operationId"], "docs");
    assert_eq!(doc.body["servers"][0]["url"], "/");
}

#[tokio::test]
async fn cors_for_allowed_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/me"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PATCH")
            .header("Access-Control-Request-Headers", "authorization,content-type")
    };
    let allowed = app.send(preflight("https://app.example.com")).await;
    assert!(allowed.status == 204 || allowed.status == 200);
    assert_eq!(allowed.headers["access-control-allow-origin"], "https://app.example.com");
    let methods = allowed.headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PATCH") && methods.contains("DELETE"));
    let headers = allowed.headers["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"));

    let denied = app.send(preflight("https://evil.example.net")).await;
    assert!(denied.headers.get("access-control-allow-origin").is_none());
    assert!(denied.headers.get("access-control-allow-methods").is_none());

    // Ordinary responses, errors included, carry the header for an allowed origin.
    let error = app.send(app.http.get(app.url("/api/v1/auth/me")).header("Origin", "http://localhost:5173")).await;
    assert_eq!(error.status, 401);
    assert_eq!(error.headers["access-control-allow-origin"], "http://localhost:5173");
    let health = app.send(app.http.get(app.url("/api/v1/health")).header("Origin", "https://evil.example.net")).await;
    assert!(health.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn health_and_openapi() {
    let app = TestApp::spawn().await;
    let health = app.call("GET", "/api/v1/health", None, None).await;
    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["version"], env!("CARGO_PKG_VERSION"));

    let doc = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    assert!(doc.body["openapi"].as_str().unwrap().starts_with("3.1"));
    for route in functions::routes() {
        let operation = &doc.body["paths"][route.path()][route.method().to_lowercase()];
        assert!(operation.is_object(), "{} {} is documented", route.method(), route.path());
    }
    assert!(doc.body["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc.body["components"]["schemas"]["RegisterRequest"].is_object());
}

#[tokio::test]
async fn logs_are_json_and_never_contain_passwords_or_tokens() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let wrong = "a wrong password, logged?";
    assert_eq!(app.login(&user.email, wrong).await.status, 401);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200);

    let logs = captured_logs();
    let request_lines: Vec<&str> = logs.lines().filter(|l| l.contains("\"message\":\"request\"")).collect();
    assert!(request_lines.len() >= 4, "one line per request");
    for line in &request_lines {
        let entry: serde_json::Value = serde_json::from_str(line).expect("JSON log line");
        assert!(entry["function"].is_string() && entry["status"].is_number(), "{line}");
    }
    assert!(!logs.contains(PASSWORD), "a password was logged");
    assert!(!logs.contains(wrong), "a password was logged");
    assert!(!logs.contains(&user.token), "a token was logged");
}

/// Every operation that takes a JSON body refuses a body that is not an object (serde
/// would map `[null, null]` onto a struct field by field), before anything changes.
#[tokio::test]
async fn bodies_that_are_not_objects_are_refused_on_every_route() {
    let mut app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let doc = functions::document::document();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if operation.get("requestBody").is_none() {
                continue;
            }
            let path =
                path.split('/').map(|s| if s.starts_with('{') { "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" } else { s });
            let path = path.collect::<Vec<_>>().join("/");
            for body in ["[null, null]", "[]", "\"text\"", "7", "null", "true"] {
                app.new_ip();
                let request = app
                    .http
                    .request(method.to_uppercase().parse().unwrap(), app.url(&path))
                    .bearer_auth(&user.token)
                    .header("Content-Type", "application/json")
                    .body(body);
                let reply = app.send(request).await;
                assert_eq!(reply.status, 400, "{method} {path} with {body}: {}", reply.text);
                assert_eq!(reply.body["error"]["code"], "invalid_request", "{method} {path} with {body}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} operations take a body");
    // Nothing was created by any of them.
    let chats = app.get_auth("/api/v1/chats", &user.token).await;
    assert_eq!(chats.body["items"], serde_json::json!([]));
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200, "the session survived");
}
