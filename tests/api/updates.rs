//! Updates with nothing to change: 200 with the resource as it was, nothing written
//! (and never an empty update expression, which DynamoDB refuses).

use serde_json::{json, Value};
use system_tests::*;

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let reply = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.body
}

fn id(resource: &Value) -> &str {
    resource["id"].as_str().expect("an id")
}

#[tokio::test]
async fn removing_an_avatar_there_is_none_of_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let before = app.get_auth("/api/v1/auth/me", &user.token).await.body;
    assert_eq!(before["avatar_url"], Value::Null);
    for body in [json!({"avatar_file_id": null}), json!({})] {
        let reply = app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(body.clone())).await;
        assert_eq!(reply.status, 200, "{body}: {}", reply.text);
        assert_eq!(reply.body, before, "{body}");
    }
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.body, before);
}

#[tokio::test]
async fn an_empty_patch_answers_every_resource_unchanged() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let older = created(&app, token, "/api/v1/chats", json!({"title": "Older"})).await;
    let newer = created(&app, token, "/api/v1/chats", json!({"title": "Newer"})).await;
    let prompt = created(&app, token, "/api/v1/prompts", json!({"name": "Terse", "content": "Be brief."})).await;
    let project = created(&app, token, "/api/v1/projects", json!({"name": "P", "description": "d"})).await;
    let knowledge_path = format!("/api/v1/projects/{}/knowledge", id(&project));
    let knowledge = created(&app, token, &knowledge_path, json!({"title": "Style", "content": "Use rustfmt."})).await;
    let paths = [
        format!("/api/v1/chats/{}", id(&older)),
        format!("/api/v1/prompts/{}", id(&prompt)),
        format!("/api/v1/projects/{}", id(&project)),
        format!("{knowledge_path}/{}", id(&knowledge)),
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(app.get_auth(path, token).await.body);
    }
    // A write now would show: every update moves `updated_at`.
    app.clock.advance(time::Duration::minutes(5));
    for (path, before) in paths.iter().zip(&before) {
        let reply = app.call("PATCH", path, Some(token), Some(json!({}))).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(&reply.body, before, "{path}");
        assert_eq!(&app.get_auth(path, token).await.body, before, "{path} is stored unchanged");
    }
    // The chat kept its place in the list (an update would have moved it to the top).
    let list = app.get_auth("/api/v1/chats", token).await.body;
    let order: Vec<&str> = list["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(order, [id(&newer), id(&older)]);
    // And the project its knowledge belongs to was not touched either.
    assert_eq!(app.get_auth(&format!("/api/v1/projects/{}", id(&project)), token).await.body, before[2]);
}
