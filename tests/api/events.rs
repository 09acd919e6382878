//! Every sample event in events/ goes through lambda_http's / aws_lambda_events' own
//! deserialisation into the function's own axum Router, as Lambda would deliver it
//! (REST API events carry their stage, which lambda_http puts in front of the path).

use aws_lambda_events::event::sqs::SqsEvent;
use functions::{function, Function};
use serde_json::{json, Value};
use system_tests::*;
use tower::ServiceExt;

fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

async fn collect_body(body: axum::body::Body) -> String {
    use http_body_util::BodyExt;
    let bytes = body.collect().await.expect("bodies do not fail").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("UTF-8 body")
}

#[tokio::test]
async fn every_function_has_a_sample_event_and_it_replays() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut expected_names: Vec<String> = functions::routes()
        .iter()
        .map(|r| r.name.to_string())
        .chain(functions::workers().iter().map(|w| w.name.to_string()))
        .chain(functions::scheduled().iter().map(|s| s.name.to_string()))
        .collect();
    expected_names.sort();
    assert_eq!(names, expected_names, "one event per function, nothing else");

    for name in names {
        let text = std::fs::read_to_string(events_dir().join(format!("{name}.json"))).unwrap();
        match function(&name).unwrap() {
            Function::Http(route) => {
                let mut event: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(event["httpMethod"], route.method(), "{name}");
                assert_eq!(event["resource"], route.path(), "{name}");
                // Authenticated samples get a real token; the login sample real credentials.
                if event["headers"].get("Authorization").is_some() {
                    // Deleting the account gets a user of its own; the others share one.
                    let email =
                        if name == "auth-me-delete" { app.verified_user().await.email } else { user.email.clone() };
                    // A minute on for every sample, so the logins stay under 10 a minute per email.
                    app.clock.advance(time::Duration::seconds(60));
                    let login = app.login(&email, PASSWORD).await;
                    let bearer = json!(format!("Bearer {}", login.body["token"].as_str().unwrap()));
                    event["headers"]["Authorization"] = bearer.clone();
                    event["multiValueHeaders"]["Authorization"] = json!([bearer]);
                }
                // Fresh addresses and IPs, so repeated runs stay under the rate limits.
                event["requestContext"]["identity"]["sourceIp"] = json!(random_loopback().to_string());
                if matches!(name.as_str(), "auth-password-reset" | "auth-resend-verification" | "auth-register") {
                    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
                    body["email"] = json!(unique_email());
                    event["body"] = json!(body.to_string());
                }
                if name == "auth-login" {
                    event["body"] = json!(json!({"email": user.email, "password": PASSWORD}).to_string());
                }
                if name == "auth-password-change" {
                    // Keeps the password, so later samples can still log in.
                    let body = json!({"current_password": PASSWORD, "new_password": PASSWORD});
                    event["body"] = json!(body.to_string());
                }
                if name == "auth-google" {
                    let sample: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
                    let token = sample["access_token"].as_str().unwrap();
                    app.google.accept_access_token(token, system_tests::google::profile(&unique_email()));
                }
                assert!(event["requestContext"]["stage"].is_string(), "{name}: the sample carries a stage");
                let request = lambda_http::request::from_str(&event.to_string())
                    .unwrap_or_else(|e| panic!("{name}: lambda_http rejects the event: {e}"));
                let stage = event["requestContext"]["stage"].as_str().unwrap();
                assert!(request.uri().path().starts_with(&format!("/{stage}/")), "{name}: {}", request.uri());
                let service = functions::app::lambda(route, app.deps.clone());
                let response = service.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let body = collect_body(response.into_body()).await;
                if route.streams && status == 200 {
                    assert!(body.contains("event: start") && body.contains("event: done"), "{name}: {body}");
                }
                let expected = match name.as_str() {
                    "auth-register" => 201,
                    "auth-resend-verification" => 202,
                    "auth-verify-email" | "auth-password-reset-confirm" => 400, // sample tokens are not real ones
                    "auth-password-reset" => 202,
                    "auth-sessions-delete" | "prompts-get" | "prompts-update" | "prompts-delete" => 404, // not the caller's
                    "chats-get" | "chats-update" | "chats-delete" | "chats-archive" | "chats-unarchive" => 404,
                    "chats-system-prompt" | "chats-messages" | "chats-usage" | "chats-extract-memories" => 404,
                    "chats-pair-update" | "chats-pair-toggle" | "chats-pair-delete" => 404,
                    "prompts-create" | "chats-create" | "files-create" => 201,
                    "imports-create" => 400, // the sample's file is not the caller's
                    "imports-get" => 404,
                    "exports-create" => 202,
                    "exports-get" => 404,
                    "files-complete" | "files-get" | "files-delete" => 404,
                    "projects-create" => 201,
                    "memories-create" | "memory-tags-create" => 201,
                    "memories-get" | "memories-update" | "memories-delete" => 404, // not the caller's
                    // The tag memory-tags-create made (C++), by its URL-encoded name.
                    "memory-tags-delete" => 204,
                    "design-projects-create" => 201,
                    "design-projects-list" => 200,
                    // The sample's ids are not the caller's; a sample `sig` is no signature.
                    "prototype-versions-preview" => 401,
                    name if name.starts_with("design-project") || name.starts_with("prototype") => 404,
                    name if name.starts_with("projects-") && name != "projects-list" => 404, // not the caller's
                    "auth-logout" | "auth-logout-all" | "auth-me-delete" => 204,
                    _ => 200,
                };
                assert_eq!(status, expected, "{name}: {body}");
            }
            Function::Scheduled(job) => {
                let event: aws_lambda_events::event::eventbridge::EventBridgeEvent =
                    serde_json::from_str(&text).unwrap();
                assert_eq!(event.detail_type, "Scheduled Event");
                assert!(job.run(&app.deps, event).await.is_ok(), "{name}");
            }
            Function::Worker(worker) => {
                let event: SqsEvent = serde_json::from_str(&text).unwrap();
                let response = worker.run(&app.deps, event).await;
                // The sample title and memory jobs name a chat nobody has: they are done, with
                // nothing to title or learn.
                assert!(response.batch_item_failures.is_empty(), "{name}");
                if name == "email-worker" {
                    assert!(!mails_to("ada@example.com", "Verify your email").await.is_empty());
                }
            }
        }
    }
}
