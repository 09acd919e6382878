//! Saved system prompts.

use serde_json::{json, Value};
use system_tests::*;

async fn create(app: &TestApp, token: &str, name: &str) -> Value {
    let reply = app
        .call("POST", "/api/v1/prompts", Some(token), Some(json!({"name": name, "content": format!("{name} content")})))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

#[tokio::test]
async fn prompts_are_created_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let created = create(&app, &user.token, "Reviewer").await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["name"], "Reviewer");
    assert_eq!(created["content"], "Reviewer content");
    assert_eq!(created["created_at"], created["updated_at"]);

    let fetched = app.get_auth(&format!("/api/v1/prompts/{id}"), &user.token).await;
    assert_eq!(fetched.body, created);

    let patched = app
        .call("PATCH", &format!("/api/v1/prompts/{id}"), Some(&user.token), Some(json!({"content": "Be strict."})))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.body["name"], "Reviewer");
    assert_eq!(patched.body["content"], "Be strict.");

    let deleted = app.call("DELETE", &format!("/api/v1/prompts/{id}"), Some(&user.token), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(app.get_auth(&format!("/api/v1/prompts/{id}"), &user.token).await.status, 404);
    assert_eq!(app.call("DELETE", &format!("/api/v1/prompts/{id}"), Some(&user.token), None).await.status, 404);
}

#[tokio::test]
async fn invalid_prompts_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    for (body, field) in [
        (json!({"name": "  ", "content": "x"}), "name"),
        (json!({"name": "n".repeat(201), "content": "x"}), "name"),
        (json!({"name": "ok", "content": ""}), "content"),
        (json!({"name": "ok", "content": "c".repeat(50_001)}), "content"),
    ] {
        let reply = app.call("POST", "/api/v1/prompts", Some(&user.token), Some(body)).await;
        assert_eq!(reply.status, 400);
        assert!(reply.body["error"]["fields"][field].is_array(), "{field}: {}", reply.text);
    }
    let unknown = app
        .call("POST", "/api/v1/prompts", Some(&user.token), Some(json!({"name": "a", "content": "b", "x": 1})))
        .await;
    assert_eq!(unknown.body["error"]["code"], "invalid_request");
    let list = app.get_auth("/api/v1/prompts", &user.token).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0, "nothing was stored");
}

#[tokio::test]
async fn lists_are_paged_newest_first_with_cursors_bound_to_their_owner() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    for i in 0..5 {
        create(&app, &user.token, &format!("prompt {i}")).await;
    }
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/prompts?limit=2&cursor={c}"),
            None => "/api/v1/prompts?limit=2".to_string(),
        };
        let page = app.get_auth(&path, &user.token).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        for item in page.body["items"].as_array().unwrap() {
            names.push(item["name"].as_str().unwrap().to_string());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10);
    }
    assert_eq!(names, ["prompt 4", "prompt 3", "prompt 2", "prompt 1", "prompt 0"]);
    assert!(pages >= 3);

    // Ada's cursor means nothing in Bob's list.
    let first = app.get_auth("/api/v1/prompts?limit=2", &user.token).await;
    let adas_cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let bob = app.verified_user().await;
    let foreign = app.get_auth(&format!("/api/v1/prompts?cursor={adas_cursor}"), &bob.token).await;
    assert_eq!(foreign.status, 400);
    assert_eq!(foreign.body["error"]["code"], "invalid_cursor");
    for bad in ["limit=0", "limit=101", "limit=abc", "cursor=garbage"] {
        let reply = app.get_auth(&format!("/api/v1/prompts?{bad}"), &user.token).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn another_users_prompt_is_not_found_everywhere() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let id = create(&app, &ada.token, "Ada's").await["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/prompts/{id}");
    assert_eq!(app.get_auth(&path, &bob.token).await.status, 404);
    assert_eq!(app.call("PATCH", &path, Some(&bob.token), Some(json!({"name": "mine now"}))).await.status, 404);
    assert_eq!(app.call("DELETE", &path, Some(&bob.token), None).await.status, 404);
    assert!(app.get_auth("/api/v1/prompts", &bob.token).await.body["items"].as_array().unwrap().is_empty());
    let still = app.get_auth(&path, &ada.token).await;
    assert_eq!((still.status, still.body["name"].as_str()), (200, Some("Ada's")));
    assert_eq!(app.get_auth("/api/v1/prompts/not-a-uuid", &ada.token).await.status, 404);
}
