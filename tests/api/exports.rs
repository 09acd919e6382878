//! `POST /export` end to end: the portability worker writes the archive to the bucket,
//! `GET /export/{id}` hands out a download URL while it lasts, and the cleanup job
//! removes it once expired.

use serde_json::{json, Value};
use system_tests::*;

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let reply = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.body["id"].as_str().expect("an id").to_string()
}

/// Starts an export and waits for it to end: its id and its last `GET /export/{id}`.
pub async fn exported(app: &TestApp, token: &str) -> (String, Value) {
    let started = app.call("POST", "/api/v1/export", Some(token), None).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/export/{id}");
    let done = eventually(std::time::Duration::from_secs(30), || async {
        let reply = app.get_auth(&path, token).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        matches!(reply.body["status"].as_str(), Some("complete" | "failed")).then_some(reply.body)
    })
    .await
    .expect("the export ends");
    (id, done)
}

/// The archive behind a complete export's download URL.
pub async fn archive(export: &Value) -> (String, Value) {
    assert_eq!(export["status"], "complete", "{export}");
    let got = reqwest::get(export["download_url"].as_str().expect("a download URL")).await.unwrap();
    assert_eq!(got.status(), 200);
    let disposition = got.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"myclaude-export-"), "{disposition}");
    let text = got.text().await.unwrap();
    let parsed = serde_json::from_str(&text).expect("the archive is JSON");
    (text, parsed)
}

#[tokio::test]
async fn an_export_holds_everything_the_user_made_and_nothing_secret() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let other = app.verified_user().await;
    let token = user.token.as_str();

    created(&app, token, "/api/v1/prompts", json!({"name": "Terse", "content": "Be brief."})).await;
    let project = created(&app, token, "/api/v1/projects", json!({"name": "Work", "instructions": "Be exact."})).await;
    let knowledge = json!({"title": "Style", "content": "Use rustfmt."});
    created(&app, token, &format!("/api/v1/projects/{project}/knowledge"), knowledge).await;
    let memory = json!({"summary": "Writes Rust.", "category": "skill", "tags": ["rust"]});
    created(&app, token, "/api/v1/memories", memory).await;
    let first = app.chat(token, json!({"text": "Hello there", "project_id": project})).await;
    let chat = event(&first, "start").data["chat_id"].as_str().unwrap().to_string();
    app.chat(token, json!({"chat_id": chat, "text": "And again"})).await;
    let design = created(&app, token, "/api/v1/design-projects", json!({"name": "Screens"})).await;
    let page = "<prototype_file name=\"index.html\"><html><body>Cart</body></html></prototype_file>";
    app.script_model(json!({"text": page, "model": PRIMARY_MODEL})).await;
    let generate = format!("/api/v1/design-projects/{design}/prototypes/generate");
    event(&app.stream_at(&generate, token, json!({"prompt": "A cart"})).await, "done");

    let (id, export) = exported(&app, token).await;
    assert_eq!(
        export["exported"],
        json!({"chats": 1, "messages": 4, "attachments": 0, "projects": 1, "knowledge": 1, "prompts": 1,
            "memories": 1, "memory_tags": 1, "design_projects": 1, "prototypes": 1, "versions": 1}),
        "{export}"
    );
    assert!(export["expires_at"].is_string(), "{export}");
    let (text, archive) = archive(&export).await;
    assert_eq!(export["size"], text.len(), "the size is the archive's");
    assert_eq!(archive["format"], "myclaude");
    assert_eq!(archive["version"], 1);
    assert_eq!(archive["profile"]["email"], user.email.as_str());
    for secret in ["password", "argon2", "$argon", "SESSION#", "token_hash"] {
        assert!(!text.contains(secret), "the archive holds no {secret}");
    }
    assert_eq!(archive["prompts"][0]["content"], "Be brief.");
    assert_eq!(archive["projects"][0]["instructions"], "Be exact.");
    assert_eq!(archive["projects"][0]["knowledge"][0]["content"], "Use rustfmt.");
    assert_eq!(archive["memories"][0]["summary"], "Writes Rust.");
    assert_eq!(archive["memory_tags"][0]["name"], "rust");
    let exported_chat = &archive["chats"][0];
    assert_eq!(exported_chat["id"], chat.as_str());
    assert_eq!(exported_chat["project_id"], project.as_str());
    let pairs = exported_chat["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[0]["user_content"], json!([{"type": "text", "text": "Hello there"}]));
    assert_eq!(pairs[1]["assistant_text"], "Stub reply to: And again");
    let version = &archive["design_projects"][0]["prototypes"][0]["variants"][0]["versions"][0];
    assert_eq!(version["html"], "<html><body>Cart</body></html>");

    // Nobody else sees it, and the archive lies under the user's own prefix.
    assert_eq!(app.get_auth(&format!("/api/v1/export/{id}"), &other.token).await.status, 404);
    let objects = app.bucket_keys().await;
    assert_eq!(mentioning(&objects, &format!("exports/{}/{id}", user.id)).len(), 1, "{objects:?}");
}

#[tokio::test]
async fn an_expired_export_has_no_link_and_the_cleanup_job_removes_its_archive() {
    // A table of its own: the cleanup job below walks every expired export in it.
    let app = TestApp::spawn_with(AppOptions { own_table: true, ..Default::default() }).await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let (id, export) = exported(&app, token).await;
    assert_eq!(export["exported"]["chats"], 0, "{export}");
    let (_, archive) = archive(&export).await;
    assert_eq!(archive["chats"], json!([]));
    let key = format!("exports/{}/{id}.json", user.id);
    assert!(app.bucket_keys().await.contains(&key));

    // Not yet due: the cleanup leaves it.
    assert_eq!(shared::portability::export::remove_expired(&app.deps, 100).await.unwrap(), 0);
    app.clock.advance(time::Duration::hours(25));
    let path = format!("/api/v1/export/{id}");
    let expired = app.get_auth(&path, token).await;
    assert_eq!(expired.status, 200, "{}", expired.text);
    assert_eq!(expired.body["status"], "expired", "{}", expired.text);
    assert!(expired.body.get("download_url").is_none(), "{}", expired.text);

    assert_eq!(shared::portability::export::remove_expired(&app.deps, 100).await.unwrap(), 1);
    assert!(!app.bucket_keys().await.contains(&key), "the archive is gone");
    assert_eq!(app.get_auth(&path, token).await.body["status"], "expired");
    assert_eq!(shared::portability::export::remove_expired(&app.deps, 100).await.unwrap(), 0, "once");

    // Ten exports a day (the day after the first one): the eleventh is refused, and
    // queues nothing.
    for _ in 0..10 {
        assert_eq!(app.call("POST", "/api/v1/export", Some(token), None).await.status, 202);
    }
    let refused = app.call("POST", "/api/v1/export", Some(token), None).await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.body["error"]["code"], "rate_limited", "{}", refused.text);
    let exports = mentioning(&app.table_items().await, "EXPORT#").len();
    assert_eq!(exports, 11, "the first one and ten more");
}

/// Everything the API lists of an account, with every id replaced by the order it is
/// first met in (two accounts holding the same things give the same snapshot) and the
/// short-lived links left out.
async fn snapshot(app: &TestApp, token: &str) -> Value {
    async fn get(app: &TestApp, token: &str, path: &str) -> Value {
        let reply = app.get_auth(path, token).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
        reply.body
    }
    fn ids(list: &Value) -> Vec<String> {
        list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
    }
    let mut all = serde_json::Map::new();
    all.insert("prompts".into(), get(app, token, "/api/v1/prompts?limit=100").await);
    all.insert("memories".into(), get(app, token, "/api/v1/memories?limit=100").await);
    all.insert("memory_tags".into(), get(app, token, "/api/v1/memory-tags").await);
    let projects = get(app, token, "/api/v1/projects?limit=100").await;
    for id in ids(&projects) {
        all.insert(format!("knowledge of {id}"), get(app, token, &format!("/api/v1/projects/{id}/knowledge")).await);
    }
    all.insert("projects".into(), projects);
    for archived in [false, true] {
        let chats = get(app, token, &format!("/api/v1/chats?limit=100&archived={archived}")).await;
        for id in ids(&chats) {
            let messages = get(app, token, &format!("/api/v1/chats/{id}/messages?limit=100")).await;
            all.insert(format!("messages of {id}"), messages);
        }
        all.insert(format!("chats, archived {archived}"), chats);
    }
    let designs = get(app, token, "/api/v1/design-projects?limit=100").await;
    for id in ids(&designs) {
        all.insert(format!("groups of {id}"), get(app, token, &format!("/api/v1/design-projects/{id}/groups")).await);
        let prototypes = get(app, token, &format!("/api/v1/design-projects/{id}/prototypes?limit=100")).await;
        for p in ids(&prototypes) {
            let prototype = get(app, token, &format!("/api/v1/prototypes/{p}")).await;
            for variant in prototype["variants"].as_array().unwrap() {
                let v = variant["id"].as_str().unwrap();
                let path = format!("/api/v1/prototypes/{p}/variants/{v}");
                let with_versions = get(app, token, &path).await;
                for version in with_versions["versions"].as_array().unwrap() {
                    let n = version["version_number"].as_i64().unwrap();
                    let page = get(app, token, &format!("{path}/versions/{n}")).await;
                    all.insert(format!("version {n} of {v}"), page);
                }
                all.insert(format!("variant {v}"), with_versions);
            }
            all.insert(format!("prototype {p}"), prototype);
        }
        all.insert(format!("prototypes of {id}"), prototypes);
    }
    all.insert("design_projects".into(), designs);
    // The keys name ids too: order them by the listing they came from, then rename.
    let mut seen = std::collections::HashMap::new();
    let mut out = serde_json::Map::new();
    let mut entries: Vec<(String, Value)> = all.into_iter().collect();
    entries.sort_by_key(|(k, _)| !matches!(k.as_str(), "prompts" | "memories" | "memory_tags" | "projects"));
    for (key, value) in entries {
        let value = normalised(value, &mut seen);
        let key = key.split(' ').map(|w| renamed(w, &mut seen)).collect::<Vec<_>>().join(" ");
        out.insert(key, value);
    }
    Value::Object(out)
}

fn renamed(text: &str, seen: &mut std::collections::HashMap<String, usize>) -> String {
    if uuid::Uuid::parse_str(text).is_err() {
        return text.to_string();
    }
    let next = seen.len();
    format!("id{}", seen.entry(text.to_string()).or_insert(next))
}

fn normalised(value: Value, seen: &mut std::collections::HashMap<String, usize>) -> Value {
    match value {
        Value::String(s) => Value::String(renamed(&s, seen)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| normalised(v, seen)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "download_url" | "preview_url" | "preview_expires_at"))
                .map(|(k, v)| (k, normalised(v, seen)))
                .collect(),
        ),
        other => other,
    }
}

#[tokio::test]
async fn an_export_imported_into_another_account_lists_the_same_and_imports_once() {
    // Each import job takes one entry and hands the rest to the next job.
    let app = TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(|deps| deps.config.import_job_budget = std::time::Duration::ZERO)),
        ..Default::default()
    })
    .await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let token = ada.token.as_str();

    // Ada's account: some of everything.
    created(&app, token, "/api/v1/prompts", json!({"name": "Terse", "content": "Be brief."})).await;
    created(&app, token, "/api/v1/prompts", json!({"name": "Teacher", "content": "Explain step by step."})).await;
    let project = created(&app, token, "/api/v1/projects", json!({"name": "Work", "instructions": "Be exact."})).await;
    for (title, content) in [("Style", "Use rustfmt."), ("Stack", "axum and DynamoDB.")] {
        created(
            &app,
            token,
            &format!("/api/v1/projects/{project}/knowledge"),
            json!({"title": title, "content": content}),
        )
        .await;
    }
    created(&app, token, "/api/v1/projects", json!({"name": "Empty"})).await;
    let memory = json!({"summary": "Writes Rust.", "category": "skill", "tags": ["rust", "backend"]});
    created(&app, token, "/api/v1/memories", memory).await;
    let paused =
        created(&app, token, "/api/v1/memories", json!({"summary": "Lives in Lyon.", "category": "personal"})).await;
    let pause =
        app.call("PATCH", &format!("/api/v1/memories/{paused}"), Some(token), Some(json!({"is_active": false}))).await;
    assert_eq!(pause.status, 200, "{}", pause.text);
    let tag = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": "unused"}))).await;
    assert_eq!(tag.status, 201, "{}", tag.text);
    let first = app.chat(token, json!({"text": "Hello there", "project_id": project})).await;
    let in_project = event(&first, "start").data["chat_id"].as_str().unwrap().to_string();
    app.chat(token, json!({"chat_id": in_project, "text": "And again"})).await;
    let note = system_tests::files::upload(&app, token, "note.txt", "text/plain", b"Buy milk", "attachment").await;
    assert_eq!(note.status, 200, "{}", note.text);
    let other = app.chat(token, json!({"text": "Read my note", "file_ids": [note.body["id"]]})).await;
    let archived = event(&other, "start").data["chat_id"].as_str().unwrap().to_string();
    let archive_it = json!({"archived": true, "title": "Notes"});
    let patched = app.call("PATCH", &format!("/api/v1/chats/{archived}"), Some(token), Some(archive_it)).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let design = created(&app, token, "/api/v1/design-projects", json!({"name": "Screens"})).await;
    let group =
        created(&app, token, &format!("/api/v1/design-projects/{design}/groups"), json!({"name": "Checkout"})).await;
    let page =
        |body: &str| format!("<prototype_file name=\"index.html\"><html><body>{body}</body></html></prototype_file>");
    app.script_model(json!({"text": page("Cart"), "model": PRIMARY_MODEL})).await;
    let generate = format!("/api/v1/design-projects/{design}/prototypes/generate");
    let generated = app.stream_at(&generate, token, json!({"prompt": "A cart", "group_id": group})).await;
    let done = &event(&generated, "done").data;
    let (prototype, variant) = (done["prototype"]["id"].as_str().unwrap(), done["variant"]["id"].as_str().unwrap());
    app.script_model(json!({"text": page("Cart, darker"), "model": PRIMARY_MODEL})).await;
    let edit = format!("/api/v1/prototypes/{prototype}/variants/{variant}/versions");
    event(&app.stream_at(&edit, token, json!({"edit_prompt": "Darker"})).await, "done");
    app.script_model(json!({"text": page("Cart, lighter"), "model": PRIMARY_MODEL})).await;
    let new_variant = format!("/api/v1/prototypes/{prototype}/variants");
    event(&app.stream_at(&new_variant, token, json!({})).await, "done");
    app.script_model(json!({"text": page("Landing"), "model": PRIMARY_MODEL})).await;
    event(&app.stream_at(&generate, token, json!({"prompt": "A landing page"})).await, "done");

    // Out of Ada's account, into Bob's (as the file she downloaded).
    let (_, export) = exported(&app, token).await;
    let (text, _) = archive(&export).await;
    let filename = "myclaude-export-2026-11-26.json";
    let upload = |token: String| {
        let (app, text) = (&app, text.clone());
        async move {
            let file =
                system_tests::files::upload(app, &token, filename, "application/json", text.as_bytes(), "import").await;
            assert_eq!(file.status, 200, "{}", file.text);
            let body = json!({"file_id": file.body["id"], "format": "myclaude"});
            let started = app.call("POST", "/api/v1/import", Some(&token), Some(body)).await;
            assert_eq!(started.status, 202, "{}", started.text);
            let path = format!("/api/v1/import/{}", started.body["id"].as_str().unwrap());
            eventually(std::time::Duration::from_secs(30), || async {
                let reply = app.get_auth(&path, &token).await;
                matches!(reply.body["status"].as_str(), Some("complete" | "failed")).then_some(reply.body)
            })
            .await
            .expect("the import ends")
        }
    };
    let imported = upload(bob.token.clone()).await;
    assert_eq!(imported["status"], "complete", "{imported}");
    assert_eq!(imported["errors"], json!([]), "{imported}");
    assert_eq!(
        imported["imported"],
        json!({"chats": 2, "messages": 6, "documents": 0, "projects": 2, "knowledge": 2, "prompts": 2, "memories": 2,
            "memory_tags": 3, "design_projects": 1, "prototypes": 2, "versions": 4, "already_imported": 0, "empty": 0})
    );
    let (theirs, ours) = (snapshot(&app, token).await, snapshot(&app, &bob.token).await);
    assert_eq!(
        ours,
        theirs,
        "Bob's listings are Ada's:\n{}\n---\n{}",
        serde_json::to_string_pretty(&ours).unwrap(),
        serde_json::to_string_pretty(&theirs).unwrap()
    );

    // The same archive again: nothing new.
    let items = app.table_items().await;
    let before = mentioning(&items, &bob.id).len();
    let again = upload(bob.token.clone()).await;
    assert_eq!(again["imported"]["already_imported"], 12, "{again}");
    assert_eq!(again["imported"]["chats"], 0, "{again}");
    let after = mentioning(&app.table_items().await, &bob.id).len();
    assert_eq!(after, before + 2, "only the second upload's file and import items: {before} → {after}");
    assert_eq!(snapshot(&app, &bob.token).await, ours);
}

#[tokio::test]
async fn an_export_whose_job_never_finished_shows_failed_once_it_is_given_up() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let owner: uuid::Uuid = user.id.parse().unwrap();
    // An export whose job failed every delivery: nothing ever recorded it again.
    let item = shared::store::exports::ExportItem::new(owner, app.clock.now());
    shared::store::exports::create(&app.deps.table, &item).await.unwrap();
    let path = format!("/api/v1/export/{}", item.id);
    let waiting = app.get_auth(&path, &user.token).await;
    assert_eq!(waiting.body["status"], "queued", "{}", waiting.text);
    app.clock.advance(time::Duration::hours(7));
    let given_up = app.get_auth(&path, &user.token).await;
    assert_eq!(given_up.body["status"], "failed", "{}", given_up.text);
    assert_eq!(given_up.body["error"], "The export did not finish. Start a new one.");
    assert!(given_up.body.get("download_url").is_none());
}
