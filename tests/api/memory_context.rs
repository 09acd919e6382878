//! What the model sees: memories chosen for a message, `GET /memories/context` and
//! `POST /chat/preview`, each compared byte for byte with what the model stub received.

use serde_json::{json, Value};
use shared::memory::count_line;
use shared::model::MemoryCategory;
use shared::store::memories::{self, MemoryItem};
use std::time::Duration;
use system_tests::*;
use uuid::Uuid;

/// Stores a memory of the user's as the extraction worker or the API would.
async fn remember(app: &TestApp, user: &TestUser, summary: &str, tags: &[&str], active: bool) -> Uuid {
    let owner: Uuid = user.id.parse().unwrap();
    let mut memory =
        MemoryItem::new(owner, summary.into(), MemoryCategory::Preference, 0.9, false, app.deps.clock.now());
    memory.tags = tags.iter().map(|t| t.to_string()).collect();
    memory.is_active = active;
    memory.token_count = count_line(&memory).await;
    memories::create(&app.deps.table, &memory).await.unwrap();
    memory.id
}

async fn context(app: &TestApp, user: &TestUser, q: &str) -> Value {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/memories/context"), [("q", q)]).unwrap();
    let reply = app.get_auth(&format!("{}?{}", url.path(), url.query().unwrap()), &user.token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

async fn preview(app: &TestApp, user: &TestUser, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/chat/preview", Some(&user.token), Some(body)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body
}

/// The preview's system layers as the stub joins them, and its messages as the stub logs them.
fn as_the_stub_sees_it(preview: &Value) -> (String, Vec<(String, String)>) {
    let system: Vec<&str> = preview["system"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap()).collect();
    let messages = preview["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let texts: Vec<&str> = m["content"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["type"] == "text")
                .map(|b| b["text"].as_str().unwrap())
                .collect();
            (m["role"].as_str().unwrap().to_string(), texts.join("\n"))
        })
        .collect();
    (system.join("\n\n"), messages)
}

fn stub_messages(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap().to_string(), m["text"].as_str().unwrap().to_string()))
        .collect()
}

/// What the chat model received, oldest first (titles go to the small model).
async fn chat_requests(app: &TestApp) -> Vec<Value> {
    app.model_requests().await.into_iter().filter(|r| r["model_id"] == PRIMARY_MODEL).collect()
}

fn layers(preview: &Value) -> Vec<String> {
    preview["system"].as_array().unwrap().iter().map(|l| l["layer"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn context_and_preview_are_byte_for_byte_what_the_model_gets() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let rust = remember(&app, &user, "Writes backend services in Rust with axum", &["rust", "backend"], true).await;
    let name = remember(&app, &user, "Is called Sam", &["name"], true).await;
    let inactive = remember(&app, &user, "Deploys Rust services on a Raspberry Pi", &["rust"], false).await;

    let project = app
        .call(
            "POST",
            "/api/v1/projects",
            Some(&user.token),
            Some(json!({"name": "Service", "instructions": "Answer with code first."})),
        )
        .await;
    let project_id = project.body["id"].as_str().unwrap().to_string();
    let knowledge = json!({"title": "Conventions", "content": "Errors are enums."});
    let added =
        app.call("POST", &format!("/api/v1/projects/{project_id}/knowledge"), Some(&user.token), Some(knowledge)).await;
    assert_eq!(added.status, 201, "{}", added.text);

    let text = "How should I structure a Rust backend service?";
    let context = context(&app, &user, text).await;
    let memory_ids: Vec<&str> = context["memory_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(memory_ids, [rust.to_string(), name.to_string()], "the relevant one first, never the inactive one");
    let context_text = context["context"].as_str().unwrap();
    assert!(context_text.contains("Writes backend services in Rust with axum"));
    assert!(!context_text.contains("Raspberry"), "inactive memories stay out");

    let body = json!({"project_id": project_id, "text": text});
    let planned = preview(&app, &user, body.clone()).await;
    assert_eq!(layers(&planned), ["built_in", "project_instructions", "project_knowledge", "memories"]);
    assert_eq!(planned["system"][3]["text"], context["context"], "the memories layer is the context, byte for byte");
    assert_eq!(planned["memory_ids"], context["memory_ids"]);
    assert_eq!(planned["model"], PRIMARY_MODEL);
    assert_eq!(planned["left_out_pairs"], 0);
    let counted: i64 = planned["system"].as_array().unwrap().iter().map(|l| l["tokens"].as_i64().unwrap()).sum::<i64>()
        + planned["messages"].as_array().unwrap().iter().map(|m| m["tokens"].as_i64().unwrap()).sum::<i64>();
    assert_eq!(planned["total_tokens"].as_i64().unwrap(), counted);
    assert!(planned["system"].as_array().unwrap().iter().all(|l| l["tokens"].as_i64().unwrap() > 0));
    // The preview touched neither the model nor the store.
    assert!(app.model_requests().await.is_empty(), "the model was not called");
    let chats = app.get_auth("/api/v1/chats", &user.token).await;
    assert_eq!(chats.body["items"].as_array().unwrap().len(), 0, "no chat was made");

    let events = app.chat(&user.token, body).await;
    let chat_id = event(&events, "start").data["chat_id"].as_str().unwrap().to_string();
    let received = chat_requests(&app).await;
    let (system, messages) = as_the_stub_sees_it(&planned);
    assert_eq!(received[0]["system"].as_str().unwrap(), system, "the system prompt, byte for byte");
    assert_eq!(stub_messages(&received[0]), messages);
    assert!(received[0]["system"].as_str().unwrap().ends_with(context_text));

    // The next message of that chat: history, recent turns and all.
    let next = json!({"chat_id": chat_id, "text": "And how do I test it?"});
    let planned = preview(&app, &user, next.clone()).await;
    assert_eq!(planned["messages"].as_array().unwrap().len(), 3);
    app.chat(&user.token, next).await;
    let received = chat_requests(&app).await;
    let (system, messages) = as_the_stub_sees_it(&planned);
    assert_eq!(received[1]["system"].as_str().unwrap(), system);
    assert_eq!(stub_messages(&received[1]), messages);
    assert!(!system.contains("Raspberry"));

    // Each memory the prompts carried was counted as used, off the answer's path.
    let owner: Uuid = user.id.parse().unwrap();
    let counted = eventually(Duration::from_secs(10), || async {
        let memory = memories::get(&app.deps.table, owner, rust).await.unwrap().unwrap();
        (memory.reference_count == 2).then_some(memory)
    })
    .await
    .expect("the rust memory was counted twice");
    assert!(counted.last_referenced_at.is_some());
    let unused = memories::get(&app.deps.table, owner, inactive).await.unwrap().unwrap();
    assert_eq!(unused.reference_count, 0);
}

#[tokio::test]
async fn with_memory_off_no_memory_reaches_the_model() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    remember(&app, &user, "Prefers answers in French", &["language"], true).await;
    app.set_memory_enabled(&user, false).await;

    let context = context(&app, &user, "Explain closures").await;
    assert_eq!(context, json!({"context": "", "memory_ids": []}));
    let planned = preview(&app, &user, json!({"text": "Explain closures"})).await;
    assert_eq!(layers(&planned), ["built_in"]);
    app.chat(&user.token, json!({"text": "Explain closures"})).await;
    let received = chat_requests(&app).await;
    assert!(!received[0]["system"].as_str().unwrap().contains("French"));

    app.set_memory_enabled(&user, true).await;
    let planned = preview(&app, &user, json!({"text": "Explain closures"})).await;
    assert_eq!(layers(&planned), ["built_in", "memories"], "back on, the memory is used again");
}

#[tokio::test]
async fn a_preview_shows_the_trimmed_history_and_the_chat_prompt() {
    // A window that holds the system prompt, the new message and only a few earlier pairs.
    let app = TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(|deps| {
            deps.config.models.context_window = 1_000;
            deps.config.models.max_output_tokens = 200;
        })),
        ..Default::default()
    })
    .await;
    let user = app.verified_user().await;
    let created =
        app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"system_prompt": "Be brief."}))).await;
    let chat_id = created.body["id"].as_str().unwrap().to_string();
    for i in 0..8 {
        let text = format!("Question {i}: {}", "tell me more about ownership and borrowing ".repeat(8));
        app.chat(&user.token, json!({"chat_id": chat_id, "text": text})).await;
    }
    let body = json!({"chat_id": chat_id, "text": "Summarise."});
    let planned = preview(&app, &user, body.clone()).await;
    assert_eq!(layers(&planned), ["built_in", "chat"]);
    assert_eq!(planned["system"][1]["text"], "Be brief.");
    let left_out = planned["left_out_pairs"].as_i64().unwrap();
    let kept = planned["messages"].as_array().unwrap().len() as i64;
    assert!(left_out > 0 && left_out < 8, "some pairs are left out: {left_out}");
    assert_eq!(kept, (8 - left_out) * 2 + 1);
    assert_eq!(planned["context_window"], 1_000);
    assert_eq!(planned["max_output_tokens"], 200);

    app.chat(&user.token, body).await;
    let received = chat_requests(&app).await;
    let last = received.last().unwrap();
    let (system, messages) = as_the_stub_sees_it(&planned);
    assert_eq!(last["system"].as_str().unwrap(), system);
    assert_eq!(stub_messages(last), messages, "the stream sent exactly the messages the preview showed");
}

#[tokio::test]
async fn a_preview_answers_like_the_stream_would_before_it_starts() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let other = app.verified_user().await;
    let theirs = app.call("POST", "/api/v1/chats", Some(&other.token), Some(json!({}))).await;
    let their_chat = theirs.body["id"].as_str().unwrap();

    let blank = app.call("POST", "/api/v1/chat/preview", Some(&user.token), Some(json!({"text": "  "}))).await;
    assert_eq!(blank.status, 400);
    assert!(blank.body["error"]["fields"]["text"].is_array(), "{}", blank.text);
    let model =
        app.call("POST", "/api/v1/chat/preview", Some(&user.token), Some(json!({"text": "hi", "model": "nope"}))).await;
    assert_eq!(model.status, 400);
    let foreign = app
        .call("POST", "/api/v1/chat/preview", Some(&user.token), Some(json!({"chat_id": their_chat, "text": "hi"})))
        .await;
    assert_eq!(foreign.status, 404, "another user's chat is unknown");
    let anonymous = app.call("POST", "/api/v1/chat/preview", None, Some(json!({"text": "hi"}))).await;
    assert_eq!(anonymous.status, 401);
    let long = "x".repeat(2_001);
    let too_long = app.get_auth(&format!("/api/v1/memories/context?q={long}"), &user.token).await;
    assert_eq!(too_long.status, 400);
    assert!(too_long.body["error"]["fields"]["q"].is_array(), "{}", too_long.text);

    // Another user's memories never reach this user's context.
    remember(&app, &other, "Has a dog called Rex", &["pets"], true).await;
    let mine = context(&app, &user, "dog").await;
    assert_eq!(mine, json!({"context": "", "memory_ids": []}));
    assert!(app.model_requests().await.is_empty());
}

#[tokio::test]
async fn under_a_tight_budget_the_relevant_memories_win() {
    // Room for the layer and one short memory line.
    let app = TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(|deps| {
            deps.config.memory.token_budget = shared::memory::context::LAYER_TOKENS + 14;
        })),
        ..Default::default()
    })
    .await;
    let user = app.verified_user().await;
    let garden = remember(&app, &user, "Grows tomatoes in a small garden", &["gardening"], true).await;
    let postgres = remember(&app, &user, "Runs Postgres 16 in production", &["postgres", "databases"], true).await;
    let chess = remember(&app, &user, "Plays chess online every evening", &["chess"], true).await;

    let text = "My Postgres queries got slow after the upgrade; where do I start?";
    let chosen = context(&app, &user, text).await;
    assert_eq!(chosen["memory_ids"], json!([postgres.to_string()]), "only the relevant one fits");
    let planned = preview(&app, &user, json!({"text": text})).await;
    assert_eq!(planned["memory_ids"], chosen["memory_ids"]);
    app.chat(&user.token, json!({"text": text})).await;
    let system = chat_requests(&app).await[0]["system"].as_str().unwrap().to_string();
    assert!(system.contains("Runs Postgres 16 in production"));
    assert!(!system.contains("tomatoes") && !system.contains("chess"), "unrelated memories left out: {system}");

    // Another message, another choice.
    let other = context(&app, &user, "Which tomato varieties grow well in pots?").await;
    assert_eq!(other["memory_ids"], json!([garden.to_string()]));
    assert_ne!(other["memory_ids"], json!([chess.to_string()]));
}

/// The memory layer `GET /memories/context` gives for `q`.
async fn layer_for(app: &TestApp, user: &TestUser, q: &str) -> String {
    context(app, user, q).await["context"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_change_to_a_memory_reaches_the_next_message() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = &user.token;
    let id = remember(&app, &user, "Writes backend services in Rust", &["rust"], true).await;
    assert!(layer_for(&app, &user, "rust services").await.contains("in Rust"));

    // Edited, then another added, then the first deleted: each shows on the next read.
    let edited = app
        .call(
            "PATCH",
            &format!("/api/v1/memories/{id}"),
            Some(token),
            Some(json!({"summary": "Writes services in Go"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let layer = layer_for(&app, &user, "rust services").await;
    assert!(layer.contains("in Go") && !layer.contains("in Rust"), "{layer}");

    let added = app
        .call(
            "POST",
            "/api/v1/memories",
            Some(token),
            Some(json!({"summary": "Runs Debian on a ThinkPad", "category": "personal"})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    let layer = layer_for(&app, &user, "services laptop").await;
    assert!(layer.contains("in Go") && layer.contains("ThinkPad"), "{layer}");

    let deleted = app.call("DELETE", &format!("/api/v1/memories/{id}"), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let layer = layer_for(&app, &user, "services laptop").await;
    assert!(!layer.contains("in Go") && layer.contains("ThinkPad"), "{layer}");

    // Paused, the memory is left out; resumed, it is back.
    let added_id = added.body["id"].as_str().unwrap();
    let paused = app
        .call("PATCH", &format!("/api/v1/memories/{added_id}"), Some(token), Some(json!({"is_active": false})))
        .await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(layer_for(&app, &user, "services laptop").await, "");
    app.chat(token, json!({"text": "Which laptop do I use?"})).await;
    assert!(!chat_requests(&app).await[0]["system"].as_str().unwrap().contains("ThinkPad"));
    let resumed =
        app.call("PATCH", &format!("/api/v1/memories/{added_id}"), Some(token), Some(json!({"is_active": true}))).await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    app.chat(token, json!({"text": "Which laptop do I use?"})).await;
    assert!(chat_requests(&app).await[1]["system"].as_str().unwrap().contains("ThinkPad"));
}

#[tokio::test]
async fn active_memories_are_read_again_only_when_the_profile_counts_a_change() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let owner: Uuid = user.id.parse().unwrap();
    let table = &app.deps.table;
    let rev = || async { shared::store::users::get(table, owner).await.unwrap().unwrap().memories_rev };
    assert_eq!(rev().await, 0);
    remember(&app, &user, "Prefers short answers", &[], true).await;
    assert_eq!(rev().await, 1, "creating a memory counts a change");

    let cache = memories::ActiveCache::new();
    let kept = memories::active_at(table, &cache, owner, 1).await.unwrap();
    assert_eq!(kept.len(), 1);

    // A memory stored behind the store's back (no count): the kept copy still answers.
    let mut sneaked =
        MemoryItem::new(owner, "Lives in Lyon".into(), MemoryCategory::Personal, 0.9, false, app.deps.clock.now());
    sneaked.token_count = count_line(&sneaked).await;
    table.put_item().set_item(Some(serde_dynamo::to_item(&sneaked).unwrap())).send().await.unwrap();
    let again = memories::active_at(table, &cache, owner, 1).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&kept, &again), "the same copy, not a new read");

    // A counted change: the next read sees both.
    remember(&app, &user, "Uses Neovim", &[], true).await;
    assert_eq!(rev().await, 2);
    let fresh = memories::active_at(table, &cache, owner, 2).await.unwrap();
    let mut summaries: Vec<&str> = fresh.iter().map(|m| m.summary.as_str()).collect();
    summaries.sort();
    assert_eq!(summaries, ["Lives in Lyon", "Prefers short answers", "Uses Neovim"]);
}
