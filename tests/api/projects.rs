//! Projects and their knowledge: CRUD, exact counters, the included-knowledge limit
//! (the test configuration sets it to 1,000 tokens), and what the model sees.

use serde_json::{json, Value};
use system_tests::*;

async fn create_project(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/projects", Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

async fn add_knowledge(app: &TestApp, token: &str, project: &str, body: Value) -> Reply {
    app.call("POST", &format!("/api/v1/projects/{project}/knowledge"), Some(token), Some(body)).await
}

async fn project(app: &TestApp, token: &str, id: &str) -> Value {
    let reply = app.get_auth(&format!("/api/v1/projects/{id}"), token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

/// About `n` tokens of text.
fn words(n: usize, word: &str) -> String {
    vec![word; n].join(" ")
}

#[tokio::test]
async fn projects_and_knowledge_are_created_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let created = create_project(&app, &user.token, json!({"name": "Backend", "instructions": "Prefer Rust."})).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["description"], "");
    assert_eq!((created["chat_count"].as_i64(), created["knowledge_count"].as_i64()), (Some(0), Some(0)));
    let list = app.get_auth("/api/v1/projects", &user.token).await;
    assert_eq!(list.body["items"][0]["id"], id.as_str());

    let knowledge = add_knowledge(&app, &user.token, &id, json!({"title": "Style", "content": "Use rustfmt."})).await;
    assert_eq!(knowledge.status, 201, "{}", knowledge.text);
    assert_eq!(knowledge.body["include_in_chat"], true);
    let tokens = knowledge.body["token_count"].as_i64().unwrap();
    assert!(tokens > 0);
    let kid = knowledge.body["id"].as_str().unwrap().to_string();
    let p = project(&app, &user.token, &id).await;
    assert_eq!((p["knowledge_count"].as_i64(), p["total_knowledge_tokens"].as_i64()), (Some(1), Some(tokens)));

    let path = format!("/api/v1/projects/{id}/knowledge/{kid}");
    let edited = app.call("PATCH", &path, Some(&user.token), Some(json!({"content": words(40, "lint")}))).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let edited_tokens = edited.body["token_count"].as_i64().unwrap();
    assert!(edited_tokens > tokens);
    assert_eq!(project(&app, &user.token, &id).await["total_knowledge_tokens"], edited_tokens);
    assert_eq!(app.get_auth(&path, &user.token).await.body["content"], words(40, "lint"));
    let off = app.call("POST", &format!("{path}/toggle"), Some(&user.token), None).await;
    assert_eq!(off.body["include_in_chat"], false);
    let p = project(&app, &user.token, &id).await;
    assert_eq!(
        (p["total_knowledge_tokens"].as_i64(), p["included_knowledge_tokens"].as_i64()),
        (Some(edited_tokens), Some(0))
    );

    let renamed =
        app.call("PATCH", &format!("/api/v1/projects/{id}"), Some(&user.token), Some(json!({"name": "API"}))).await;
    assert_eq!((renamed.status, renamed.body["name"].as_str()), (200, Some("API")));
    for (body, field) in [(json!({"name": " "}), "name"), (json!({"description": "x".repeat(2_001)}), "description")] {
        let reply = app.call("PATCH", &format!("/api/v1/projects/{id}"), Some(&user.token), Some(body)).await;
        assert!(reply.body["error"]["fields"][field].is_array(), "{}", reply.text);
    }
    let bad = add_knowledge(&app, &user.token, &id, json!({"title": "", "content": ""})).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"]["fields"]["title"].is_array() && bad.body["error"]["fields"]["content"].is_array());

    assert_eq!(app.call("DELETE", &path, Some(&user.token), None).await.status, 204);
    let p = project(&app, &user.token, &id).await;
    assert_eq!((p["knowledge_count"].as_i64(), p["total_knowledge_tokens"].as_i64()), (Some(0), Some(0)));
    assert_eq!(app.call("DELETE", &path, Some(&user.token), None).await.status, 404);
}

#[tokio::test]
async fn the_knowledge_limit_refuses_what_would_pass_it_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let id = create_project(&app, &user.token, json!({"name": "Limited"})).await["id"].as_str().unwrap().to_string();
    let big = add_knowledge(&app, &user.token, &id, json!({"title": "Big", "content": words(700, "alpha")})).await;
    assert_eq!(big.status, 201, "{}", big.text);
    let big_tokens = big.body["token_count"].as_i64().unwrap();
    assert!(big_tokens > 500 && big_tokens <= 1_000, "{big_tokens}");
    let before = project(&app, &user.token, &id).await;

    // An add that would pass the limit.
    let refused = add_knowledge(&app, &user.token, &id, json!({"title": "More", "content": words(600, "beta")})).await;
    assert_eq!((refused.status, refused.body["error"]["code"].as_str()), (400, Some("knowledge_token_limit")));
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("1000"), "{}", refused.text);
    assert_eq!(project(&app, &user.token, &id).await, before, "nothing changed");
    // Excluded from chat, it does not count against the limit.
    let parked = add_knowledge(
        &app,
        &user.token,
        &id,
        json!({"title": "Parked", "content": words(600, "beta"), "include_in_chat": false}),
    )
    .await;
    assert_eq!(parked.status, 201);
    let parked_path = format!("/api/v1/projects/{id}/knowledge/{}", parked.body["id"].as_str().unwrap());
    // Toggling it on, or growing the included one, would pass it.
    let toggle = app.call("POST", &format!("{parked_path}/toggle"), Some(&user.token), None).await;
    assert_eq!(toggle.body["error"]["code"], "knowledge_token_limit");
    let big_path = format!("/api/v1/projects/{id}/knowledge/{}", big.body["id"].as_str().unwrap());
    let grow = app.call("PATCH", &big_path, Some(&user.token), Some(json!({"content": words(1_100, "alpha")}))).await;
    assert_eq!(grow.body["error"]["code"], "knowledge_token_limit");
    let after = project(&app, &user.token, &id).await;
    assert_eq!(after["included_knowledge_tokens"], big_tokens);
    assert_eq!(app.get_auth(&parked_path, &user.token).await.body["include_in_chat"], false);
    assert_eq!(app.get_auth(&big_path, &user.token).await.body["content"], words(700, "alpha"));
}

#[tokio::test]
async fn concurrent_adds_never_pass_the_limit_together() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let id = create_project(&app, &user.token, json!({"name": "Race"})).await["id"].as_str().unwrap().to_string();
    let adds = (0..10).map(|i| {
        let (app, token, id) = (&app, user.token.clone(), id.clone());
        async move {
            add_knowledge(app, &token, &id, json!({"title": format!("part {i}"), "content": words(150, "gamma")})).await
        }
    });
    let replies = futures::future::join_all(adds).await;
    let accepted: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(replies.iter().all(|r| r.status == 201 || r.body["error"]["code"] == "knowledge_token_limit"));
    let per_item = accepted[0].body["token_count"].as_i64().unwrap();
    assert!(per_item * 10 > 1_000, "together they pass the limit");
    let p = project(&app, &user.token, &id).await;
    let included = p["included_knowledge_tokens"].as_i64().unwrap();
    assert!(included <= 1_000, "{included}");
    assert_eq!(included, per_item * accepted.len() as i64, "the counter is exact");
    assert_eq!(p["knowledge_count"], accepted.len());
    let listed = app.get_auth(&format!("/api/v1/projects/{id}/knowledge?limit=100"), &user.token).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), accepted.len());
}

#[tokio::test]
async fn the_model_sees_instructions_and_included_knowledge_only() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let id =
        create_project(&app, &user.token, json!({"name": "Docs", "instructions": "Answer as our staff engineer."}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_string();
    let first =
        add_knowledge(&app, &user.token, &id, json!({"title": "Style <guide>", "content": "Use rustfmt."})).await;
    add_knowledge(&app, &user.token, &id, json!({"title": "Runbook", "content": "Restart with systemctl."})).await;
    let events = app.chat(&user.token, json!({"text": "How do we deploy?", "project_id": id})).await;
    let start = &event(&events, "start").data;
    let chat_id = start["chat_id"].as_str().unwrap().to_string();
    let system = |log: &[Value]| {
        log.iter().rev().find(|r| r["model_id"] == PRIMARY_MODEL).unwrap()["system"].as_str().unwrap().to_string()
    };
    let seen = system(&app.model_requests().await);
    assert!(seen.contains("<project_instructions>\nAnswer as our staff engineer.\n</project_instructions>"), "{seen}");
    let style = "<document title=\"Style &lt;guide&gt;\">\nUse rustfmt.\n</document>";
    let runbook = "<document title=\"Runbook\">\nRestart with systemctl.\n</document>";
    assert!(seen.find(style).unwrap() < seen.find(runbook).unwrap(), "in a stable order: {seen}");

    // Off: gone from the next request; on again: back.
    let kid = first.body["id"].as_str().unwrap();
    let toggle = format!("/api/v1/projects/{id}/knowledge/{kid}/toggle");
    assert_eq!(app.call("POST", &toggle, Some(&user.token), None).await.body["include_in_chat"], false);
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "And rollback?"})).await;
    let seen = system(&app.model_requests().await);
    assert!(!seen.contains("Use rustfmt.") && seen.contains(runbook), "{seen}");
    assert_eq!(app.call("POST", &toggle, Some(&user.token), None).await.body["include_in_chat"], true);
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "And logs?"})).await;
    assert!(system(&app.model_requests().await).contains(style));

    let p = project(&app, &user.token, &id).await;
    assert_eq!(p["chat_count"], 1);
    let chats = app.get_auth(&format!("/api/v1/projects/{id}/chats"), &user.token).await;
    assert_eq!(chats.body["items"][0]["id"], chat_id.as_str());
}

#[tokio::test]
async fn chat_counts_and_usage_stay_exact_and_deleting_a_project_keeps_its_chats() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let a = create_project(&app, &user.token, json!({"name": "A"})).await["id"].as_str().unwrap().to_string();
    let b = create_project(&app, &user.token, json!({"name": "B"})).await["id"].as_str().unwrap().to_string();
    let count = |id: String| {
        let (app, token) = (&app, user.token.clone());
        async move { project(app, &token, &id).await["chat_count"].as_i64().unwrap() }
    };
    let made = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"project_id": a}))).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let chat1 = made.body["id"].as_str().unwrap().to_string();
    app.script_model(json!({"text": "ok", "input_tokens": 30, "output_tokens": 4, "model": PRIMARY_MODEL})).await;
    let events = app.chat(&user.token, json!({"text": "in A", "project_id": a})).await;
    let chat2 = event(&events, "start").data["chat_id"].as_str().unwrap().to_string();
    app.script_model(json!({"text": "ok", "input_tokens": 50, "output_tokens": 6, "model": PRIMARY_MODEL})).await;
    app.chat(&user.token, json!({"text": "more", "chat_id": chat1})).await;
    assert_eq!((count(a.clone()).await, count(b.clone()).await), (2, 0));

    let usage = app.get_auth(&format!("/api/v1/projects/{a}/usage"), &user.token).await;
    assert_eq!(usage.body, json!({"input_tokens": 80, "output_tokens": 10, "total_tokens": 90, "chats": 2}));

    // Moving a chat moves the counts; out of any project too.
    let moved =
        app.call("PATCH", &format!("/api/v1/chats/{chat1}"), Some(&user.token), Some(json!({"project_id": b}))).await;
    assert_eq!((moved.status, moved.body["project_id"].as_str()), (200, Some(b.as_str())), "{}", moved.text);
    assert_eq!((count(a.clone()).await, count(b.clone()).await), (1, 1));
    let out = app
        .call("PATCH", &format!("/api/v1/chats/{chat1}"), Some(&user.token), Some(json!({"project_id": null})))
        .await;
    assert_eq!(out.body["project_id"], Value::Null);
    assert_eq!(count(b.clone()).await, 0);
    // Deleting a chat counts it off.
    assert_eq!(app.call("DELETE", &format!("/api/v1/chats/{chat2}"), Some(&user.token), None).await.status, 204);
    assert_eq!(count(a.clone()).await, 0);

    // A project's deletion takes its knowledge and keeps its chats, detached.
    let kept =
        app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"project_id": b, "title": "kept"}))).await;
    let kept_id = kept.body["id"].as_str().unwrap().to_string();
    let k = add_knowledge(&app, &user.token, &b, json!({"title": "t", "content": "c"})).await;
    assert_eq!(app.call("DELETE", &format!("/api/v1/projects/{b}"), Some(&user.token), None).await.status, 204);
    assert_eq!(app.get_auth(&format!("/api/v1/projects/{b}"), &user.token).await.status, 404);
    let kpath = format!("/api/v1/projects/{b}/knowledge/{}", k.body["id"].as_str().unwrap());
    assert_eq!(app.get_auth(&kpath, &user.token).await.status, 404);
    let chat = app.get_auth(&format!("/api/v1/chats/{kept_id}"), &user.token).await;
    assert_eq!((chat.status, chat.body["project_id"].clone()), (200, Value::Null));
    // And a chat can no longer join it.
    let join =
        app.call("PATCH", &format!("/api/v1/chats/{kept_id}"), Some(&user.token), Some(json!({"project_id": b}))).await;
    assert!(join.body["error"]["fields"]["project_id"].is_array(), "{}", join.text);
}

/// Between a project's deletion and its chats' detachment, a chat still names the
/// project: its next message is answered without the project, and a new chat cannot
/// join it.
#[tokio::test]
async fn a_chat_whose_project_went_meanwhile_is_answered_without_it() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let id = create_project(&app, &user.token, json!({"name": "Gone", "instructions": "Speak like a pirate."})).await
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let events = app.chat(&user.token, json!({"text": "Hello", "project_id": id})).await;
    let chat_id = event(&events, "start").data["chat_id"].as_str().unwrap().to_string();
    // The project item goes, its chat not yet detached (as in the middle of DELETE).
    let owner = uuid::Uuid::parse_str(&user.id).unwrap();
    let project_id = uuid::Uuid::parse_str(&id).unwrap();
    assert!(shared::store::projects::delete(&app.deps.table, owner, project_id).await.unwrap());
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["project_id"], id.as_str(), "still attached");

    let events = app.chat(&user.token, json!({"chat_id": chat_id, "text": "Still there?"})).await;
    assert_eq!(event(&events, "done").data["chat_id"], chat_id.as_str());
    let log = app.model_requests().await;
    let seen = log.iter().rev().find(|r| r["model_id"] == PRIMARY_MODEL).unwrap()["system"].to_string();
    assert!(!seen.contains("Speak like a pirate."), "{seen}");

    let refused = match app.open_stream(&user.token, json!({"text": "New", "project_id": id})).await {
        Ok(_) => panic!("a new chat joined a deleted project"),
        Err(reply) => reply,
    };
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.body["error"]["fields"]["project_id"].is_array(), "{}", refused.text);
}

#[tokio::test]
async fn another_users_projects_and_knowledge_are_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.verified_user().await;
    let other = app.verified_user().await;
    let id = create_project(&app, &owner.token, json!({"name": "Mine"})).await["id"].as_str().unwrap().to_string();
    let k = add_knowledge(&app, &owner.token, &id, json!({"title": "t", "content": "secret"})).await;
    let kid = k.body["id"].as_str().unwrap().to_string();
    let p = format!("/api/v1/projects/{id}");
    let kp = format!("{p}/knowledge/{kid}");
    let attempts: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", p.clone(), None),
        ("PATCH", p.clone(), Some(json!({"name": "hijacked"}))),
        ("GET", format!("{p}/chats"), None),
        ("GET", format!("{p}/usage"), None),
        ("GET", format!("{p}/knowledge"), None),
        ("POST", format!("{p}/knowledge"), Some(json!({"title": "x", "content": "y"}))),
        ("GET", kp.clone(), None),
        ("PATCH", kp.clone(), Some(json!({"content": "hijacked"}))),
        ("POST", format!("{kp}/toggle"), None),
        ("DELETE", kp.clone(), None),
        ("DELETE", p.clone(), None),
    ];
    for (method, path, body) in attempts {
        let reply = app.call(method, &path, Some(&other.token), body).await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
    }
    let chat = app.call("POST", "/api/v1/chats", Some(&other.token), Some(json!({"project_id": id}))).await;
    assert_eq!(chat.status, 400);
    let stream = app.open_stream(&other.token, json!({"text": "hi", "project_id": id})).await;
    assert_eq!(stream.err().expect("no stream").status, 400);
    // Untouched.
    let mine = project(&app, &owner.token, &id).await;
    assert_eq!((mine["name"].as_str(), mine["knowledge_count"].as_i64()), (Some("Mine"), Some(1)));
    assert_eq!(app.get_auth(&kp, &owner.token).await.body["content"], "secret");
}
