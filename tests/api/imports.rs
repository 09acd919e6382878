//! Imports of other assistants' exports: the import code run directly on the
//! hand-written fixtures, and `POST /import` end to end through the portability worker,
//! both against the emulator and checked through the API's own listings.

use serde_json::Value;
use shared::model::{ImportFormat as Foreign, Imported};
use shared::portability::formats::FileError;
use shared::portability::import::{Ran, Report, Resume};
use std::path::PathBuf;
use system_tests::*;
use uuid::Uuid;

/// Imports the file in one go, as the operator CLI does.
async fn conversations(
    deps: &shared::Deps,
    owner: Uuid,
    format: Foreign,
    file: &std::path::Path,
) -> shared::ApiResult<Result<Report, FileError>> {
    let ran = shared::portability::import::conversations(deps, owner, format, file, Resume::default()).await?;
    Ok(ran.map(|ran| match ran {
        Ran::Done(report) => report,
        Ran::Paused { .. } => panic!("an import without a deadline ran to its end"),
    }))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/import").join(name)
}

async fn chats(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.get_auth("/api/v1/chats?limit=100", token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["items"].as_array().unwrap().clone()
}

async fn thread(app: &TestApp, token: &str, chat: &Value) -> Vec<(String, String)> {
    let id = chat["id"].as_str().unwrap();
    let reply = app.get_auth(&format!("/api/v1/chats/{id}/messages?limit=100"), token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let text = |message: &Value| -> String {
        message["content"].as_array().unwrap().iter().filter_map(|b| b["text"].as_str()).collect()
    };
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (text(&pair["user_message"]), text(&pair["assistant_message"])))
        .collect()
}

fn by_title<'a>(chats: &'a [Value], title: &str) -> &'a Value {
    chats.iter().find(|c| c["title"] == title).unwrap_or_else(|| panic!("no chat {title:?} in {chats:?}"))
}

#[tokio::test]
async fn a_claude_ai_export_imports_the_threads_the_user_saw_once() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let owner: Uuid = user.id.parse().unwrap();
    let file = fixture("claude_ai/conversations.json");

    let report = conversations(&app.deps, owner, Foreign::ClaudeAi, &file).await.unwrap().unwrap();
    assert_eq!(
        report.imported,
        Imported { chats: 3, messages: 10, documents: 1, already_imported: 0, empty: 0, ..Default::default() }
    );
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].starts_with("Conversation 4 was skipped"), "{:?}", report.errors);

    let listed = chats(&app, &user.token).await;
    let mut titles: Vec<&str> = listed.iter().map(|c| c["title"].as_str().unwrap()).collect();
    titles.sort();
    assert_eq!(titles, ["Budget summary", "Colours", "Planning a trip to Lisbon"]);
    let lisbon = by_title(&listed, "Planning a trip to Lisbon");
    assert_eq!(lisbon["created_at"], "2025-03-02T09:15:00.123456Z");
    assert_eq!(lisbon["message_count"], 4);
    assert_eq!(
        thread(&app, &user.token, by_title(&listed, "Colours")).await,
        [("Name a colour".into(), "Blue".into()), ("Name a warmer colour (edited)".into(), "Red".into())]
    );

    // The attachment's text is a document of the message, readable as a file.
    let budget = by_title(&listed, "Budget summary");
    let id = budget["id"].as_str().unwrap();
    let pairs = app.get_auth(&format!("/api/v1/chats/{id}/messages"), &user.token).await;
    let blocks = pairs.body["items"][0]["user_message"]["content"].as_array().unwrap().clone();
    assert_eq!(blocks[0]["text"], "Summarise my notes");
    assert_eq!(blocks[1]["type"], "document");
    assert_eq!(blocks[1]["filename"], "notes.txt");
    let file_id = blocks[1]["file_id"].as_str().unwrap();
    let got = app.get_auth(&format!("/api/v1/files/{file_id}"), &user.token).await;
    assert_eq!(got.status, 200, "{}", got.text);
    let download = reqwest::get(got.body["download_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(download.text().await.unwrap(), "Budget: 42 euros");

    // Again: nothing new.
    let items = app.table_items().await;
    let items_before = mentioning(&items, &user.id).len();
    let again = conversations(&app.deps, owner, Foreign::ClaudeAi, &file).await.unwrap().unwrap();
    assert_eq!(again.imported, Imported { already_imported: 3, ..Imported::default() });
    assert_eq!(mentioning(&app.table_items().await, &user.id).len(), items_before);
    assert_eq!(chats(&app, &user.token).await.len(), 3);
}

#[tokio::test]
async fn a_chatgpt_export_imports_only_the_current_branch() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let owner: Uuid = user.id.parse().unwrap();
    let report = conversations(&app.deps, owner, Foreign::Chatgpt, &fixture("chatgpt/conversations.json"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        report.imported,
        Imported { chats: 2, messages: 6, documents: 0, already_imported: 0, empty: 0, ..Default::default() }
    );
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let listed = chats(&app, &user.token).await;
    assert_eq!(
        thread(&app, &user.token, by_title(&listed, "Sourdough help")).await,
        [
            ("How long should I proof sourdough?".into(), "Usually 4 to 6 hours at room temperature.".into()),
            ("And overnight in the fridge? (edited)".into(), "12 to 16 hours works well.".into()),
        ]
    );
    assert_eq!(
        thread(&app, &user.token, by_title(&listed, "Quick maths")).await,
        [("What is 17 * 23?".into(), "17 × 23 = 391.".into())]
    );
}

#[tokio::test]
async fn a_cut_short_or_foreign_file_imports_nothing_and_says_why() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let owner: Uuid = user.id.parse().unwrap();
    let whole = std::fs::read(fixture("claude_ai/conversations.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("import-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cut = dir.join("cut.json");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();

    let refused = conversations(&app.deps, owner, Foreign::ClaudeAi, &cut).await.unwrap().unwrap_err();
    assert!(refused.0.starts_with("The file ends too early"), "{refused}");
    let foreign = conversations(&app.deps, owner, Foreign::Chatgpt, &fixture("claude_ai/conversations.json"))
        .await
        .unwrap()
        .unwrap_err();
    assert!(foreign.0.starts_with("No conversation in the file is in the chatgpt format"), "{foreign}");
    assert!(chats(&app, &user.token).await.is_empty());
    assert!(mentioning(&app.table_items().await, &format!("USER#{owner}#CHAT#")).is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

/// `files` in a zip, under a folder (as the exports lay them out).
fn zipped(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(format!("data-2025-06-01/{name}"), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn import_status(app: &TestApp, token: &str, id: &str) -> Value {
    let finished = eventually(std::time::Duration::from_secs(30), || async {
        let reply = app.get_auth(&format!("/api/v1/import/{id}"), token).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        matches!(reply.body["status"].as_str(), Some("complete" | "failed")).then_some(reply.body)
    })
    .await;
    finished.expect("the import ends")
}

#[tokio::test]
async fn post_import_runs_an_uploaded_export_zip_in_the_background() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let json = std::fs::read(fixture("claude_ai/conversations.json")).unwrap();
    let projects = std::fs::read(fixture("claude_ai/projects.json")).unwrap();
    let zip = zipped(&[("users.json", b"[]"), ("conversations.json", &json), ("projects.json", &projects)]);
    let file =
        system_tests::files::upload(&app, &user.token, "claude-export.zip", "application/zip", &zip, "import").await;
    assert_eq!(file.status, 200, "{}", file.text);
    let body = serde_json::json!({"file_id": file.body["id"], "format": "claude_ai"});
    let started = app.call("POST", "/api/v1/import", Some(&user.token), Some(body)).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();

    let done = import_status(&app, &user.token, &id).await;
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(done["format"], "claude_ai");
    assert_eq!(
        done["imported"],
        serde_json::json!({"chats": 3, "messages": 10, "documents": 1, "projects": 1, "knowledge": 2,
            "prompts": 0, "memories": 0, "memory_tags": 0, "design_projects": 0, "prototypes": 0, "versions": 0,
            "already_imported": 0, "empty": 0})
    );
    assert_eq!(done["errors"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(chats(&app, &user.token).await.len(), 3);

    // The project, its instructions and its documents as knowledge, in their order.
    let listed = app.get_auth("/api/v1/projects", &user.token).await;
    let project = &listed.body["items"][0];
    assert_eq!(project["name"], "Home renovation", "{}", listed.text);
    assert_eq!(project["instructions"], "Answer as a careful builder.");
    let id = project["id"].as_str().unwrap();
    let knowledge = app.get_auth(&format!("/api/v1/projects/{id}/knowledge"), &user.token).await;
    let titles: Vec<&str> =
        knowledge.body["items"].as_array().unwrap().iter().map(|k| k["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["plan.txt", "budget.md"], "{}", knowledge.text);

    // The same zip again: nothing new.
    let again = system_tests::files::upload(&app, &user.token, "again.zip", "application/zip", &zip, "import").await;
    let body = serde_json::json!({"file_id": again.body["id"], "format": "claude_ai"});
    let started = app.call("POST", "/api/v1/import", Some(&user.token), Some(body)).await;
    let done = import_status(&app, &user.token, started.body["id"].as_str().unwrap()).await;
    assert_eq!(done["imported"]["already_imported"], 4, "{done}");
    assert_eq!(done["imported"]["chats"], 0, "{done}");
    assert_eq!(app.get_auth("/api/v1/projects", &user.token).await.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn post_import_refuses_what_is_not_an_import_and_fails_a_file_of_another_format() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let other = app.verified_user().await;
    let attachment =
        system_tests::files::upload(&app, &user.token, "a.txt", "text/plain", b"hello", "attachment").await;
    assert_eq!(attachment.status, 200, "{}", attachment.text);
    let json = std::fs::read(fixture("chatgpt/conversations.json")).unwrap();
    let export =
        system_tests::files::upload(&app, &user.token, "conversations.json", "application/json", &json, "import").await;
    assert_eq!(export.status, 200, "{}", export.text);

    let start = |file: &Value, format: &str| serde_json::json!({"file_id": file["id"], "format": format});
    for (token, body) in
        [(&user.token, start(&attachment.body, "chatgpt")), (&other.token, start(&export.body, "chatgpt"))]
    {
        let refused = app.call("POST", "/api/v1/import", Some(token), Some(body.clone())).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.text);
        assert!(refused.body["error"]["fields"]["file_id"].is_array(), "{body}: {}", refused.text);
    }
    let unknown = app.call("POST", "/api/v1/import", Some(&user.token), Some(start(&export.body, "gemini"))).await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert!(unknown.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expected one of `claude_ai`, `chatgpt`, `myclaude`"));
    // A JSON upload that is not JSON at all is refused when completed.
    let junk =
        system_tests::files::upload(&app, &user.token, "c.json", "application/json", b"PK\x03\x04 not json", "import")
            .await;
    assert_eq!(junk.status, 415, "{}", junk.text);

    // ChatGPT's file declared as Claude.ai's: the import fails as a whole, nothing is made.
    let started = app.call("POST", "/api/v1/import", Some(&user.token), Some(start(&export.body, "claude_ai"))).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let done = import_status(&app, &user.token, started.body["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["errors"][0].as_str().unwrap().starts_with("No conversation in the file is in the claude_ai format"),
        "{done}"
    );
    assert!(chats(&app, &user.token).await.is_empty());
    // Someone else's import is not found.
    let theirs = app.get_auth(&format!("/api/v1/import/{}", started.body["id"].as_str().unwrap()), &other.token).await;
    assert_eq!(theirs.status, 404, "{}", theirs.text);
}

#[tokio::test]
async fn an_import_too_long_for_one_job_goes_on_in_the_next_ones() {
    // Each job takes one conversation and hands the rest to the next job.
    let app = TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(|deps| deps.config.import_job_budget = std::time::Duration::ZERO)),
        ..Default::default()
    })
    .await;
    let user = app.verified_user().await;
    let json = std::fs::read(fixture("claude_ai/conversations.json")).unwrap();
    let projects = std::fs::read(fixture("claude_ai/projects.json")).unwrap();
    let zip = zipped(&[("conversations.json", &json), ("projects.json", &projects)]);
    let file = system_tests::files::upload(&app, &user.token, "export.zip", "application/zip", &zip, "import").await;
    let body = serde_json::json!({"file_id": file.body["id"], "format": "claude_ai"});
    let started = app.call("POST", "/api/v1/import", Some(&user.token), Some(body)).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_string();

    // The same as in one job (see the zip test above): every conversation once, the
    // bad one named once, and the projects after the last conversation.
    let done = import_status(&app, &user.token, &id).await;
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(
        done["imported"],
        serde_json::json!({"chats": 3, "messages": 10, "documents": 1, "projects": 1, "knowledge": 2,
            "prompts": 0, "memories": 0, "memory_tags": 0, "design_projects": 0, "prototypes": 0, "versions": 0,
            "already_imported": 0, "empty": 0})
    );
    assert_eq!(done["errors"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(chats(&app, &user.token).await.len(), 3);
    let owner: Uuid = user.id.parse().unwrap();
    let stored = shared::store::imports::get(&app.deps.table, owner, id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.next_element, 4, "the last job started after the fourth conversation");
}
