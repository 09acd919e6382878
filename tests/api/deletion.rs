//! Account deletion leaves nothing of the account: the emulator's whole table and
//! bucket are read back (with the real SDK clients) for the user's id and email.

use crate::titles::title_jobs_done;
use serde_json::{json, Value};
use shared::model::MemoryCategory;
use shared::store::memories::MemoryItem;
use system_tests::files::{put_bytes, start_upload, upload, PNG};
use system_tests::google::profile;
use system_tests::*;

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let reply = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_string()
}

fn chat_of(events: &[SseEvent]) -> String {
    assert!(events.iter().any(|e| e.name == "done"), "the answer finished: {events:?}");
    event(events, "start").data["chat_id"].as_str().expect("a chat id").to_string()
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_in_the_table_or_the_bucket_and_its_email_registers_again() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();

    // An account with a bit of everything.
    let project = created(&app, token, "/api/v1/projects", json!({"name": "Work", "instructions": "Be exact."})).await;
    let knowledge = json!({"title": "Style", "content": "Use rustfmt."});
    created(&app, token, &format!("/api/v1/projects/{project}/knowledge"), knowledge).await;
    created(&app, token, "/api/v1/prompts", json!({"name": "Terse", "content": "Be brief."})).await;
    let avatar = upload(&app, token, "me.png", "image/png", PNG, "avatar").await;
    assert_eq!(avatar.status, 200, "{}", avatar.text);
    let set =
        app.call("PATCH", "/api/v1/auth/me", Some(token), Some(json!({"avatar_file_id": avatar.body["id"]}))).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let attachment = upload(&app, token, "pic.png", "image/png", PNG, "attachment").await;
    assert_eq!(attachment.status, 200, "{}", attachment.text);
    let abandoned = start_upload(&app, token, "later.png", "image/png", PNG.len(), "attachment").await;
    put_bytes(&abandoned, PNG).await;
    let first = app
        .chat(token, json!({"text": "Look at this", "project_id": project, "file_ids": [attachment.body["id"]]}))
        .await;
    let in_project = chat_of(&first);
    chat_of(&app.chat(token, json!({"chat_id": in_project, "text": "And now?"})).await);
    chat_of(&app.chat(token, json!({"text": "Another chat"})).await);
    assert!(title_jobs_done(&app).await, "the new chats were titled");
    // Memories: one written, a tag of its own, and one learned from a chat and deleted
    // (its tombstone stays in the chat's partition).
    let memory = json!({"summary": "Writes Rust.", "category": "skill", "tags": ["rust"]});
    created(&app, token, "/api/v1/memories", memory).await;
    let tag = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": "unused"}))).await;
    assert_eq!(tag.status, 201, "{}", tag.text);
    let owner = uuid::Uuid::parse_str(&user.id).unwrap();
    let now = app.clock.now();
    let mut learned = MemoryItem::new(owner, "Works on a project.".into(), MemoryCategory::Project, 0.8, false, now);
    learned.source_chat_id = Some(uuid::Uuid::parse_str(&in_project).unwrap());
    learned.tags = vec!["work".into()];
    shared::store::memories::create(&app.deps.table, &learned).await.expect("a learned memory");
    let forget = app.call("DELETE", &format!("/api/v1/memories/{}", learned.id), Some(token), None).await;
    assert_eq!(forget.status, 204, "{}", forget.text);
    // A design project with a group and a generated prototype, edited once.
    let design = created(&app, token, "/api/v1/design-projects", json!({"name": "Screens"})).await;
    let group = json!({"name": "Checkout"});
    let group = created(&app, token, &format!("/api/v1/design-projects/{design}/groups"), group).await;
    let page =
        |title: &str| format!("<prototype_file name=\"index.html\"><html><body>{title}</body></html></prototype_file>");
    app.script_model(json!({"text": page("Cart"), "model": PRIMARY_MODEL})).await;
    let generate = format!("/api/v1/design-projects/{design}/prototypes/generate");
    let generated = app.stream_at(&generate, token, json!({"prompt": "A cart", "group_id": group})).await;
    let done = &event(&generated, "done").data;
    let (prototype, variant) = (done["prototype"]["id"].as_str().unwrap(), done["variant"]["id"].as_str().unwrap());
    app.script_model(json!({"text": page("Cart, darker"), "model": PRIMARY_MODEL})).await;
    let edit = format!("/api/v1/prototypes/{prototype}/variants/{variant}/versions");
    event(&app.stream_at(&edit, token, json!({"edit_prompt": "Darker"})).await, "done");
    // An imported Claude.ai history: its chats, an attachment's text as a file, the import.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import/claude_ai/conversations.json");
    let export = std::fs::read(fixture).unwrap();
    let export = upload(&app, token, "conversations.json", "application/json", &export, "import").await;
    assert_eq!(export.status, 200, "{}", export.text);
    let import = json!({"file_id": export.body["id"], "format": "claude_ai"});
    let import = app.call("POST", "/api/v1/import", Some(token), Some(import)).await;
    assert_eq!(import.status, 202, "{}", import.text);
    let import_path = format!("/api/v1/import/{}", import.body["id"].as_str().unwrap());
    let imported = eventually(std::time::Duration::from_secs(20), || async {
        (app.get_auth(&import_path, token).await.body["status"] == "complete").then_some(())
    })
    .await;
    assert!(imported.is_some(), "the import ran");
    // An export of all that, its archive in the bucket.
    let export = app.call("POST", "/api/v1/export", Some(token), None).await;
    assert_eq!(export.status, 202, "{}", export.text);
    let export_path = format!("/api/v1/export/{}", export.body["id"].as_str().unwrap());
    let exported = eventually(std::time::Duration::from_secs(20), || async {
        (app.get_auth(&export_path, token).await.body["status"] == "complete").then_some(())
    })
    .await;
    assert!(exported.is_some(), "the export ran");
    assert_eq!(app.post("/api/v1/auth/password/reset", json!({"email": user.email})).await.status, 202);
    wait_for_mail(&user.email, "Reset your myclaude password", 1).await;

    let table = app.table_items().await;
    let mine = mentioning(&table, &user.id);
    for kind in [
        "PROFILE",
        "SESSION#",
        "IP#",
        "PROMPT#",
        "FILE#",
        "USAGE#",
        &format!("USER#{}#CHAT#", user.id),
        &format!("USER#{}#PROJECT#", user.id),
        "KNOWLEDGE#",
        "PAIR#",
        "TOKEN#",
        "EMAIL#",
        "USERNAME#",
        "MEMORY#",
        "MEMTAG#",
        "MEMTOMB#",
        "DESIGN#",
        &format!("USER#{}#DESIGN#{design}", user.id),
        &format!("PROTOTYPE#{prototype}"),
        &format!("USER#{}#PROTOTYPE#{prototype}", user.id),
        "VARIANT#",
        "VERSION#",
        "IMPORT#",
        "EXPORT#",
    ] {
        assert!(mine.iter().any(|item| item.contains(kind)), "the account has {kind} items: {mine:#?}");
    }
    let objects = app.bucket_keys().await;
    let files = mentioning(&objects, &format!("files/{}/", user.id)).len();
    assert!(files >= 3, "attachment, the export and its document: {objects:?}");
    assert_eq!(mentioning(&objects, &format!("avatars/{}/", user.id)).len(), 1, "the avatar: {objects:?}");
    assert!(!mentioning(&objects, &format!("uploads/{}/", user.id)).is_empty(), "the abandoned upload");
    assert_eq!(mentioning(&objects, &format!("prototypes/{}/", user.id)).len(), 2, "two pages: {objects:?}");
    assert_eq!(mentioning(&objects, &format!("exports/{}/", user.id)).len(), 1, "the archive: {objects:?}");

    // An account with a password proves it is the owner with the password.
    let refused = app.call("DELETE", "/api/v1/auth/me", Some(token), Some(json!({"confirm_email": user.email}))).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.body["error"]["fields"]["password"].is_array());
    assert_eq!(app.get_auth("/api/v1/auth/me", token).await.status, 200, "nothing deleted");

    // An answer is still being written (to a new chat, whose title job is queued) when
    // the account goes.
    let slow =
        json!({"text": "Slowly, one word after another.", "chunk_size": 2, "delay_ms": 150, "model": PRIMARY_MODEL});
    app.script_model(slow).await;
    let mut stream = app.open_stream(token, json!({"text": "Take your time"})).await.map_err(|r| r.text).unwrap();
    while stream.next_event().await.expect("the stream goes on").name != "delta" {}
    let deleted = app.call("DELETE", "/api/v1/auth/me", Some(token), Some(json!({"password": PASSWORD}))).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let rest = stream.rest().await;
    assert!(rest.iter().any(|e| e.name == "done" || e.name == "error"), "the stream ended: {rest:?}");
    assert!(title_jobs_done(&app).await, "the last chat's title job ran");

    let table = app.table_items().await;
    assert_eq!(mentioning(&table, &user.id), Vec::<&String>::new(), "no item names the user");
    assert_eq!(mentioning(&table, &user.email), Vec::<&String>::new(), "no item names the email");
    assert_eq!(mentioning(&app.bucket_keys().await, &user.id), Vec::<&String>::new(), "no object of the user");
    assert_eq!(app.get_auth("/api/v1/auth/me", token).await.status, 401);
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 401);

    // The email registers again, as a new account.
    assert_eq!(app.register(&user.email, PASSWORD).await.status, 201);
    let mail = wait_for_mail(&user.email, "Verify your email", 2).await.pop().expect("the new mail");
    let verified = app.post("/api/v1/auth/verify-email", json!({"token": token_from(&mail.body)})).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    let again = app.login(&user.email, PASSWORD).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_ne!(again.body["user"]["id"], user.id.as_str());
}

#[tokio::test]
async fn an_account_without_a_password_confirms_its_email_from_a_recent_sign_in() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let google = profile(&email);
    let sign_in = || async {
        let reply =
            app.post("/api/v1/auth/google", json!({"id_token": app.google.id_token(google.clone(), json!({}))})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.body
    };
    let first = sign_in().await;
    assert_eq!(first["created"], true);
    let user_id = first["user"]["id"].as_str().unwrap().to_string();
    let old = first["token"].as_str().unwrap().to_string();
    created(&app, &old, "/api/v1/prompts", json!({"name": "Mine", "content": "Something."})).await;

    for body in [json!({}), json!({"confirm_email": "someone-else@example.com"}), json!({"password": PASSWORD})] {
        let reply = app.call("DELETE", "/api/v1/auth/me", Some(&old), Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert!(reply.body["error"]["fields"]["confirm_email"].is_array(), "{body}: {}", reply.text);
    }
    // A sign-in older than 15 minutes is not enough.
    app.clock.advance(time::Duration::minutes(16));
    let stale = app.call("DELETE", "/api/v1/auth/me", Some(&old), Some(json!({"confirm_email": email}))).await;
    assert_eq!(stale.status, 403, "{}", stale.text);
    assert_eq!(stale.body["error"]["code"], "reauthentication_required");
    assert_eq!(app.get_auth("/api/v1/auth/me", &old).await.status, 200, "nothing deleted");

    let fresh = sign_in().await;
    assert_eq!(fresh["created"], false);
    let fresh = fresh["token"].as_str().unwrap().to_string();
    let confirm = json!({"confirm_email": email.to_uppercase()});
    let deleted = app.call("DELETE", "/api/v1/auth/me", Some(&fresh), Some(confirm)).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    for token in [&old, &fresh] {
        assert_eq!(app.get_auth("/api/v1/auth/me", token).await.status, 401);
    }
    let table = app.table_items().await;
    assert_eq!(mentioning(&table, &user_id), Vec::<&String>::new(), "no item names the user");
    assert_eq!(mentioning(&table, &email), Vec::<&String>::new(), "no item names the email");

    // The Google identity makes a new account.
    let again = sign_in().await;
    assert_eq!(again["created"], true);
    assert_ne!(again["user"]["id"], user_id.as_str());
}
