//! A large import end to end: a generated ChatGPT `conversations.json` of at least
//! 50 MB (`IMPORT_MB`), uploaded with purpose `import`, imported by the portability
//! worker through `POST /import`, and followed with `GET /import/{id}`.
//!
//! `make bench-import` (starts its own emulator). The gateway and the worker run in
//! this process, so its peak resident memory (VmHWM) is an upper bound of the worker's
//! own. The upload (this bench's client holds the file) comes first; the peak is then
//! reset (`/proc/self/clear_refs`), so the peak reported at the end is the import's.

use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};
use system_tests::{eventually, AppOptions, TestApp};

/// Text of each message: about 2 KB, varied so the tokenizer does real work.
fn message_text(conversation: usize, turn: usize, role: &str) -> String {
    let words = ["sourdough", "proofing", "hydration", "levain", "crumb", "oven", "steam", "flour", "water", "salt"];
    let mut text = format!("{role} {conversation}/{turn}: ");
    let mut i = conversation * 31 + turn * 7;
    while text.len() < 2_000 {
        text.push_str(words[i % words.len()]);
        text.push(if i.is_multiple_of(13) { '.' } else { ' ' });
        i += 3;
    }
    text
}

/// One conversation of `turns` user/assistant turns as ChatGPT exports it: a mapping
/// from a root through a system node, `current_node` at the last answer.
fn conversation(n: usize, turns: usize) -> Value {
    let mut mapping = serde_json::Map::new();
    let created = 1_700_000_000.0 + n as f64 * 3_600.0;
    mapping.insert("root".into(), json!({"id": "root", "message": null, "parent": null, "children": ["m0"]}));
    let mut parent = "root".to_string();
    for k in 0..turns * 2 {
        let id = format!("m{k}");
        let role = if k.is_multiple_of(2) { "user" } else { "assistant" };
        let children = if k + 1 < turns * 2 { json!([format!("m{}", k + 1)]) } else { json!([]) };
        mapping.insert(
            id.clone(),
            json!({"id": id, "parent": parent, "children": children, "message": {
                "id": id, "author": {"role": role}, "create_time": created + k as f64 * 30.0,
                "content": {"content_type": "text", "parts": [message_text(n, k, role)]},
                "metadata": {}, "recipient": "all"}}),
        );
        parent = id;
    }
    json!({"title": format!("Conversation {n}"), "create_time": created, "update_time": created + 600.0,
        "current_node": parent, "id": format!("conv-{n}"), "mapping": mapping})
}

/// Writes conversations until the file holds `megabytes`: the path, the number of
/// conversations and the file's size.
fn generate(dir: &std::path::Path, megabytes: usize, turns: usize) -> (std::path::PathBuf, usize, u64) {
    let path = dir.join("conversations.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    out.write_all(b"[").unwrap();
    let (mut written, mut n) = (1usize, 0usize);
    while written < megabytes * 1_000_000 {
        let bytes = serde_json::to_vec(&conversation(n, turns)).unwrap();
        if n > 0 {
            out.write_all(b",\n").unwrap();
            written += 2;
        }
        out.write_all(&bytes).unwrap();
        written += bytes.len();
        n += 1;
    }
    out.write_all(b"]").unwrap();
    out.flush().unwrap();
    (path, n, written as u64 + 1)
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(run());
}

async fn run() {
    let megabytes: usize = std::env::var("IMPORT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let turns = 5;
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (path, conversations, size) = generate(dir.path(), megabytes, turns);
    println!(
        "generated {conversations} conversations of {turns} turns: {:.1} MB in {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // No log capture: the tests keep every log line in memory, which is not the worker's.
    let app = TestApp::spawn_with(AppOptions { capture_logs: false, ..Default::default() }).await;
    let user = app.verified_user().await;
    let before = peak_rss_mb();
    let bytes = std::fs::read(&path).unwrap();
    let started = Instant::now();
    let file =
        system_tests::files::upload(&app, &user.token, "conversations.json", "application/json", &bytes, "import")
            .await;
    assert_eq!(file.status, 200, "{}", file.text);
    drop(bytes);
    let uploaded = started.elapsed();
    let peak_after_upload = peak_rss_mb();
    // From here on, the high-water mark is the import's (Linux: "5" resets VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak RSS");
    let reset = peak_rss_mb();
    let body = json!({"file_id": file.body["id"], "format": "chatgpt"});
    let started = Instant::now();
    let reply = app.call("POST", "/api/v1/import", Some(&user.token), Some(body)).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let path = format!("/api/v1/import/{}", reply.body["id"].as_str().unwrap());
    let done = eventually(Duration::from_secs(3_600), || async {
        let reply = app.get_auth(&path, &user.token).await;
        matches!(reply.body["status"].as_str(), Some("complete" | "failed")).then_some(reply.body)
    })
    .await
    .expect("the import ends");
    let took = started.elapsed();
    assert_eq!(done["status"], "complete", "{done}");
    assert_eq!(done["imported"]["chats"], conversations as u64, "{done}");
    assert_eq!(done["imported"]["messages"], (conversations * turns * 2) as u64, "{done}");
    println!(
        "upload (test client, holds the file): {:.1} s, peak RSS {peak_after_upload:.0} MB",
        uploaded.as_secs_f64()
    );
    println!(
        "import: {} chats, {} messages in {:.1} s ({:.0} messages/s)",
        done["imported"]["chats"],
        done["imported"]["messages"],
        took.as_secs_f64(),
        done["imported"]["messages"].as_f64().unwrap() / took.as_secs_f64()
    );
    println!(
        "peak RSS of the process (gateway, worker and this bench): {before:.0} MB before the upload; \
         {reset:.0} MB after it (reset); {:.0} MB at the import's peak",
        peak_rss_mb()
    );
}
