//! UI prototypes end to end: design projects and groups, the three streams (generate, new
//! variant, edit) against the scripted model stub, what is stored (table items and S3
//! objects, read back with the real SDK clients), the signed preview, and deletion.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use system_tests::*;

/// A small complete page, different for each `title`.
fn page(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <script src=\"https://cdn.tailwindcss.com\"></script><title>{title}</title></head>\n\
         <body class=\"p-4 bg-slate-50\"><h1 class=\"text-2xl font-bold\">{title} — café &lt;ok&gt;</h1>\
         <button class=\"rounded bg-blue-600 px-3 py-1 text-white\" onclick=\"alert('hi')\">Go</button></body>\n</html>\n"
    )
}

/// A model reply holding `html` in the tag, with prose around it.
fn reply_with(html: &str) -> String {
    format!("Here is the page you asked for.\n\n<prototype_file name='index.html'>{html}</prototype_file>\n\nTell me what to change.")
}

async fn script_page(app: &TestApp, html: &str) {
    app.script_model(json!({"text": reply_with(html), "chunk_size": 64})).await;
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_else(|| panic!("an id in {value}")).to_string()
}

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("{field} in {value}"))
}

async fn ok(app: &TestApp, token: &str, path: &str) -> Value {
    let reply = app.get_auth(path, token).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
    reply.body
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let reply = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "POST {path}: {}", reply.text);
    reply.body
}

async fn design_project(app: &TestApp, token: &str, name: &str) -> String {
    id_of(&created(app, token, "/api/v1/design-projects", json!({"name": name})).await)
}

fn generate_path(dp: &str) -> String {
    format!("/api/v1/design-projects/{dp}/prototypes/generate")
}

fn variant_path(prototype: &str, variant: &str) -> String {
    format!("/api/v1/prototypes/{prototype}/variants/{variant}")
}

fn version_path(prototype: &str, variant: &str, n: i64) -> String {
    format!("{}/versions/{n}", variant_path(prototype, variant))
}

/// The `done` event's data, after checking the stream ended with it.
fn done(events: &[SseEvent]) -> &Value {
    let last = events.last().expect("events");
    assert_eq!(last.name, "done", "the stream ended with done: {events:?}");
    &last.data
}

/// The `error` event's code, after checking the stream ended with it (and had no `done`).
fn failed(events: &[SseEvent]) -> String {
    let last = events.last().expect("events");
    assert_eq!(last.name, "error", "the stream ended with error: {events:?}");
    assert!(events.iter().all(|e| e.name != "done"), "{events:?}");
    assert!(last.data["message"].is_string(), "{last:?}");
    str_of(&last.data, "code").to_string()
}

/// Generates a prototype whose page is `html`: (prototype id, original variant id).
async fn generated(app: &TestApp, token: &str, dp: &str, html: &str) -> (String, String) {
    script_page(app, html).await;
    let events = app.stream_at(&generate_path(dp), token, json!({"prompt": "A page"})).await;
    let done = done(&events);
    (id_of(&done["prototype"]), id_of(&done["variant"]))
}

/// Edits the variant's latest version into `html`: the new version.
async fn edited(app: &TestApp, token: &str, prototype: &str, variant: &str, html: &str) -> Value {
    script_page(app, html).await;
    let path = format!("{}/versions", variant_path(prototype, variant));
    let events = app.stream_at(&path, token, json!({"edit_prompt": "Change it"})).await;
    done(&events)["version"].clone()
}

/// Everything the stub's latest request held: system prompt and messages.
async fn last_model_request(app: &TestApp) -> String {
    let requests = app.model_requests().await;
    let last = requests.last().expect("the model was asked");
    let messages: Vec<&str> =
        last["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap_or_default()).collect();
    format!("{}\n\n{}", str_of(last, "system"), messages.join("\n\n"))
}

/// The sort keys of a table partition (a strongly consistent Query).
async fn partition(app: &TestApp, pk: &str) -> Vec<String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut keys = Vec::new();
    let mut start = None;
    loop {
        let page = app
            .deps
            .dynamo
            .query()
            .table_name(&app.deps.config.table_name)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("querying the table");
        keys.extend(page.items().iter().filter_map(|item| item.get("SK")?.as_s().ok().cloned()));
        start = page.last_evaluated_key;
        if start.is_none() {
            return keys;
        }
    }
}

/// The keys of the bucket's objects under `prefix`.
async fn objects_under(app: &TestApp, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut continuation = None;
    loop {
        let page = app
            .deps
            .s3
            .list_objects_v2()
            .bucket(&app.deps.config.files_bucket)
            .prefix(prefix)
            .set_continuation_token(continuation)
            .send()
            .await
            .expect("listing the bucket");
        keys.extend(page.contents().iter().filter_map(|object| object.key().map(str::to_string)));
        continuation = page.next_continuation_token;
        if continuation.is_none() {
            return keys;
        }
    }
}

async fn object_text(app: &TestApp, key: &str) -> String {
    let object =
        app.deps.s3.get_object().bucket(&app.deps.config.files_bucket).key(key).send().await.expect("the object");
    let bytes = object.body.collect().await.expect("the object's bytes").into_bytes();
    String::from_utf8(bytes.to_vec()).expect("UTF-8 HTML")
}

/// The ids a list shows, once it shows `expected` (the list is index-backed).
async fn listed_eventually(app: &TestApp, token: &str, path: &str, expected: &[&str]) {
    let seen = std::cell::RefCell::new(Vec::new());
    let matched = eventually(Duration::from_secs(10), || async {
        let body = ok(app, token, path).await;
        let ids: Vec<String> = body["items"].as_array().expect("items").iter().map(id_of).collect();
        let same = ids == expected;
        *seen.borrow_mut() = ids;
        same.then_some(())
    })
    .await;
    assert!(matched.is_some(), "{path} lists {expected:?}, not {:?}", seen.borrow());
}

/// The path and query of an absolute preview URL, on this app.
fn preview_request(app: &TestApp, preview_url: &str) -> (reqwest::Url, String) {
    let url = reqwest::Url::parse(preview_url).unwrap_or_else(|e| panic!("an absolute URL: {preview_url}: {e}"));
    let local = app.url(&format!("{}?{}", url.path(), url.query().unwrap_or_default()));
    (url, local)
}

fn sig_of(url: &reqwest::Url) -> String {
    url.query_pairs().find(|(k, _)| k == "sig").map(|(_, v)| v.into_owned()).expect("a sig in the preview URL")
}

/// The preview of `path` (the version's path) with `sig`, sent without any Authorization.
async fn preview_with(app: &TestApp, path: &str, sig: Option<&str>) -> Reply {
    let mut url = reqwest::Url::parse(&app.url(&format!("{path}/preview"))).unwrap();
    if let Some(sig) = sig {
        url.query_pairs_mut().append_pair("sig", sig);
    }
    app.send(app.http.get(url)).await
}

fn unauthorized(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {}", &reply.text[..reply.text.len().min(300)]);
    assert!(reply.body["error"]["code"].is_string(), "{what}: the error shape: {}", reply.text);
    assert!(!reply.text.contains("<html"), "{what}: no page");
}

#[tokio::test]
async fn generate_stores_exactly_the_tags_content_as_version_1_of_the_original_variant() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Shop").await;
    let html = page("Pricing");
    // Prose around the tag, a single-quoted name, the content starting with a newline,
    // and deltas so small that the tag arrives in pieces.
    let reply = format!(
        "Sure! Here's a pricing page.\n<prototype_file  name='pricing.html' >\n{html}</prototype_file>\nIt uses Tailwind."
    );
    let stored = format!("\n{html}");
    app.script_model(json!({"text": reply, "chunk_size": 5, "input_tokens": 300, "output_tokens": 120})).await;
    let prompt = "A pricing page with three tiers";
    let stream = app
        .open_stream_at(&generate_path(&dp), token, json!({"prompt": prompt, "name": "Pricing"}))
        .await
        .map_err(|r| r.text)
        .unwrap();
    assert!(stream.headers["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = stream.rest().await;
    assert_eq!(events[0].name, "start", "{events:?}");
    assert!(events.iter().filter(|e| e.name == "delta").count() > 10, "the reply arrived in many deltas");
    assert_eq!(streamed_text(&events), reply, "the deltas are the model's text");

    let start = &events[0].data;
    assert_eq!(start["model"], PRIMARY_MODEL);
    let (prototype, variant, version) =
        (str_of(start, "prototype_id"), str_of(start, "variant_id"), str_of(start, "version_id"));
    let done = done(&events);
    assert_eq!(done["stop_reason"], "end_turn");
    assert_eq!(done["model"], PRIMARY_MODEL);
    assert_eq!(done["usage"], json!({"input_tokens": 300, "output_tokens": 120}));
    assert_eq!(done["prototype"]["id"], prototype);
    assert_eq!(done["variant"]["id"], variant);
    assert_eq!(done["version"]["id"], version);
    assert_eq!(done["version"]["version_number"], 1);
    assert_eq!(done["version"]["size"], stored.len());

    // The model was asked for the tag, with the user's prompt.
    let asked = last_model_request(&app).await;
    assert!(asked.contains("<prototype_file"), "the model is asked for the tag: {asked}");
    assert!(asked.contains(prompt), "{asked}");

    // What the user reads back.
    let p = ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await;
    assert_eq!(p["design_project_id"], dp.as_str());
    assert_eq!(p["group_id"], Value::Null);
    assert_eq!(p["name"], "Pricing");
    assert_eq!(p["prompt"], prompt);
    assert_eq!(p["variants_count"], 1);
    assert_eq!(p["latest_version"]["id"], version);
    assert_eq!(p["latest_version"]["version_number"], 1);
    let variants = p["variants"].as_array().expect("variants");
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0]["id"], variant);
    assert_eq!(variants[0]["is_original"], true);
    assert_eq!(variants[0]["versions_count"], 1);
    assert_eq!(variants[0]["latest_version_number"], 1);
    let v = ok(&app, token, &variant_path(prototype, variant)).await;
    assert_eq!(v["prototype_id"], prototype);
    let versions = v["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["id"], version);
    assert_eq!(versions[0]["edit_prompt"], Value::Null);
    let one = ok(&app, token, &version_path(prototype, variant, 1)).await;
    assert_eq!(one["id"], version);
    assert_eq!(one["variant_id"], variant);
    assert_eq!(one["version_number"], 1);
    assert_eq!(one["edit_prompt"], Value::Null);
    assert_eq!(one["file_name"], "pricing.html");
    assert_eq!(one["size"], stored.len());
    assert_eq!(str_of(&one, "html"), stored, "exactly the tag's content");
    assert_eq!(ok(&app, token, &format!("/api/v1/design-projects/{dp}")).await["prototype_count"], 1);
    listed_eventually(&app, token, &format!("/api/v1/design-projects/{dp}/prototypes"), &[prototype]).await;

    // Stored: the items, and the page in the files bucket.
    let mine = partition(&app, &format!("USER#{}", user.id)).await;
    assert!(mine.contains(&format!("DESIGN#{dp}")), "{mine:?}");
    assert!(mine.contains(&format!("PROTOTYPE#{prototype}")), "{mine:?}");
    let below = partition(&app, &format!("USER#{}#PROTOTYPE#{prototype}", user.id)).await;
    assert!(below.iter().any(|sk| sk.starts_with("VARIANT#") && sk.contains(variant)), "{below:?}");
    assert!(below.contains(&format!("VERSION#{variant}#00000001")), "{below:?}");
    let key = format!("prototypes/{}/{prototype}/{variant}/{version}.html", user.id);
    assert_eq!(objects_under(&app, &format!("prototypes/{}/", user.id)).await, std::slice::from_ref(&key));
    assert_eq!(object_text(&app, &key).await, stored);
}

#[tokio::test]
async fn a_new_variant_is_version_1_of_a_non_original_variant_made_from_the_source_variants_latest_page() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Variants").await;
    let original_page = page("Original");
    let (prototype, original) = generated(&app, token, &dp, &original_page).await;
    let variants = format!("/api/v1/prototypes/{prototype}/variants");

    // From the original by default.
    let second_page = page("Second design");
    script_page(&app, &second_page).await;
    let events = app.stream_at(&variants, token, json!({})).await;
    let done_data = done(&events);
    let second = id_of(&done_data["variant"]);
    assert_eq!(event(&events, "start").data["variant_id"], second.as_str());
    assert_eq!(done_data["variant"]["is_original"], false);
    assert_eq!(done_data["version"]["version_number"], 1);
    assert!(last_model_request(&app).await.contains(&original_page), "the model got the original's page");
    let v = ok(&app, token, &variant_path(&prototype, &second)).await;
    assert_eq!(v["is_original"], false);
    assert_eq!(v["versions_count"], 1);
    assert_eq!(v["latest_version_number"], 1);
    assert_eq!(str_of(&ok(&app, token, &version_path(&prototype, &second, 1)).await, "html"), second_page);

    // From a non-original variant with two versions: its latest page, and the prompt.
    let second_latest = page("Second design, edited");
    edited(&app, token, &prototype, &second, &second_latest).await;
    let third_page = page("Third design");
    script_page(&app, &third_page).await;
    let body = json!({"from_variant_id": second, "prompt": "Make it feel playful"});
    let events = app.stream_at(&variants, token, body).await;
    let third = id_of(&done(&events)["variant"]);
    let asked = last_model_request(&app).await;
    assert!(asked.contains(&second_latest), "the model got the source variant's latest page: {asked}");
    assert!(!asked.contains(&second_page), "not an older version of it");
    assert!(!asked.contains(&original_page), "nor the original's page");
    assert!(asked.contains("Make it feel playful"), "{asked}");
    assert_eq!(str_of(&ok(&app, token, &version_path(&prototype, &third, 1)).await, "html"), third_page);

    let p = ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await;
    assert_eq!(p["variants_count"], 3);
    let listed: Vec<(String, bool)> =
        p["variants"].as_array().unwrap().iter().map(|v| (id_of(v), v["is_original"].as_bool().unwrap())).collect();
    assert_eq!(listed[0], (original.clone(), true), "the original first: {listed:?}");
    let others: BTreeSet<&str> = listed[1..].iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(others, BTreeSet::from([second.as_str(), third.as_str()]));
    assert!(listed[1..].iter().all(|(_, original)| !original));
    let original_variant = ok(&app, token, &variant_path(&prototype, &original)).await;
    assert_eq!(original_variant["versions_count"], 1, "the source is unchanged");
    assert_eq!(objects_under(&app, &format!("prototypes/{}/{prototype}/", user.id)).await.len(), 4);
}

#[tokio::test]
async fn an_edit_makes_version_n_plus_1_from_the_previous_page_and_the_edit_prompt() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Edits").await;
    let first = page("First");
    let (prototype, variant) = generated(&app, token, &dp, &first).await;
    let versions = format!("{}/versions", variant_path(&prototype, &variant));

    let mut previous = first;
    for n in 2..=3 {
        let next = page(&format!("Edit number {n}"));
        script_page(&app, &next).await;
        let edit_prompt = format!("Make the heading say edit number {n}");
        let events = app.stream_at(&versions, token, json!({"edit_prompt": edit_prompt})).await;
        let version = &done(&events)["version"];
        assert_eq!(version["version_number"], n);
        assert_eq!(version["edit_prompt"], edit_prompt.as_str());
        assert_eq!(event(&events, "start").data["version_id"], version["id"]);
        let asked = last_model_request(&app).await;
        assert!(asked.contains(&previous), "the model got the previous page");
        assert!(asked.contains(&edit_prompt), "and the edit prompt: {asked}");
        let stored = ok(&app, token, &version_path(&prototype, &variant, n)).await;
        assert_eq!(str_of(&stored, "html"), next);
        assert_eq!(stored["edit_prompt"], edit_prompt.as_str());
        previous = next;
    }

    let v = ok(&app, token, &variant_path(&prototype, &variant)).await;
    assert_eq!((v["versions_count"].as_i64(), v["latest_version_number"].as_i64()), (Some(3), Some(3)));
    let numbers: Vec<i64> =
        v["versions"].as_array().unwrap().iter().map(|v| v["version_number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3], "ascending");
    assert_eq!(v["versions"][0]["edit_prompt"], Value::Null);
    let p = ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await;
    assert_eq!(p["latest_version"]["version_number"], 3);
    assert_eq!(p["latest_version"]["id"], v["versions"][2]["id"]);
    assert_eq!(p["variants_count"], 1);
    // Older versions stay as they were.
    assert_eq!(str_of(&ok(&app, token, &version_path(&prototype, &variant, 1)).await, "html"), page("First"));
    assert_eq!(objects_under(&app, &format!("prototypes/{}/{prototype}/{variant}/", user.id)).await.len(), 3);
}

#[tokio::test]
async fn output_without_a_whole_tag_is_invalid_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Broken").await;
    let user_partition = format!("USER#{}", user.id);
    let prefix = format!("prototypes/{}/", user.id);
    let prototypes_stored = || async {
        partition(&app, &user_partition).await.into_iter().filter(|sk| sk.starts_with("PROTOTYPE#")).count()
    };

    let no_tag = "I would rather describe the page: a header, three cards and a footer.".to_string();
    let unclosed = format!("Here it is:\n<prototype_file name=\"a.html\">{}", page("Never closed"));
    for (what, text) in [("no tag", no_tag.clone()), ("an unclosed tag", unclosed.clone())] {
        app.script_model(json!({"text": text, "chunk_size": 16})).await;
        let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "A page"})).await;
        assert_eq!(failed(&events), "invalid_model_output", "{what}");
        if let Some(start) = events.iter().find(|e| e.name == "start") {
            let path = format!("/api/v1/prototypes/{}", str_of(&start.data, "prototype_id"));
            assert_eq!(app.get_auth(&path, token).await.status, 404, "{what}: no prototype");
        }
    }
    // A model failing half way through the page stores nothing either.
    let half = format!("<prototype_file name=\"a.html\">{}", page("Half"));
    app.script_model(json!({"text": half, "error": "ModelStreamErrorException", "chunk_size": 32})).await;
    let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "A page"})).await;
    failed(&events);
    assert_eq!(ok(&app, token, &format!("/api/v1/design-projects/{dp}")).await["prototype_count"], 0);
    assert_eq!(ok(&app, token, &format!("/api/v1/design-projects/{dp}/prototypes")).await["items"], json!([]));
    assert_eq!(prototypes_stored().await, 0, "no prototype item");
    assert_eq!(objects_under(&app, &prefix).await, Vec::<String>::new(), "no object");

    // On an existing prototype: a failed edit and a failed variant change nothing.
    let first = page("Good");
    let (prototype, variant) = generated(&app, token, &dp, &first).await;
    let below = format!("USER#{}#PROTOTYPE#{prototype}", user.id);
    let items_before = partition(&app, &below).await;
    let versions = format!("{}/versions", variant_path(&prototype, &variant));
    app.script_model(json!({"text": no_tag})).await;
    let events = app.stream_at(&versions, token, json!({"edit_prompt": "Darker"})).await;
    assert_eq!(failed(&events), "invalid_model_output");
    app.script_model(json!({"text": unclosed})).await;
    let variants = format!("/api/v1/prototypes/{prototype}/variants");
    let events = app.stream_at(&variants, token, json!({})).await;
    assert_eq!(failed(&events), "invalid_model_output");
    assert_eq!(partition(&app, &below).await, items_before, "no variant or version item");
    assert_eq!(objects_under(&app, &prefix).await.len(), 1, "only the first page");
    let v = ok(&app, token, &variant_path(&prototype, &variant)).await;
    assert_eq!((v["versions_count"].as_i64(), v["latest_version_number"].as_i64()), (Some(1), Some(1)));
    assert_eq!(v["versions"].as_array().unwrap().len(), 1);
    let p = ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await;
    assert_eq!(p["variants_count"], 1);
    assert_eq!(p["variants"].as_array().unwrap().len(), 1);
    assert_eq!(p["latest_version"]["version_number"], 1);
    assert_eq!(app.get_auth(&version_path(&prototype, &variant, 2), token).await.status, 404);

    // The failure left no gap: the next edit is version 2.
    assert_eq!(edited(&app, token, &prototype, &variant, &page("Better")).await["version_number"], 2);
    assert_eq!(ok(&app, token, &format!("/api/v1/design-projects/{dp}")).await["prototype_count"], 1);
}

#[tokio::test]
async fn a_600_kb_page_round_trips_intact() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Big").await;
    let row = "<div class=\"grid grid-cols-3 gap-4 p-2\"><span class=\"text-sm\">Ünïcödé — “quotes” ✓</span></div>\n";
    let body = row.repeat(600 * 1024 / row.len() + 1);
    let html = format!("<!DOCTYPE html>\n<html><body>\n{body}</body></html>\n");
    assert!(html.len() >= 600 * 1024);
    app.script_model(json!({"text": reply_with(&html), "chunk_size": 8_000})).await;
    let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "A very long page"})).await;
    let done = done(&events);
    let (prototype, variant) = (id_of(&done["prototype"]), id_of(&done["variant"]));
    assert_eq!(done["version"]["size"], html.len());

    let version = ok(&app, token, &version_path(&prototype, &variant, 1)).await;
    assert_eq!(version["size"], html.len());
    let stored = str_of(&version, "html");
    assert!(stored == html, "the page came back changed: {} bytes, not {}", stored.len(), html.len());
    let (_, local) = preview_request(&app, str_of(&version, "preview_url"));
    let preview = app.http.get(local).send().await.expect("the preview");
    assert_eq!(preview.status(), 200);
    let bytes = preview.bytes().await.expect("the preview's body");
    assert!(bytes == html.as_bytes(), "the preview is the page byte for byte ({} bytes)", bytes.len());
}

#[tokio::test]
async fn concurrent_edits_of_one_variant_get_distinct_gap_free_numbers() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Race").await;
    let (prototype, variant) = generated(&app, token, &dp, &page("Start")).await;
    let pages: Vec<String> = (1..=4).map(|i| page(&format!("Concurrent edit {i}"))).collect();
    for html in &pages {
        // Slow enough that the four are written at the same time.
        app.script_model(json!({"text": reply_with(html), "chunk_size": 200, "first_delay_ms": 300})).await;
    }
    let path = format!("{}/versions", variant_path(&prototype, &variant));
    let edits = (1..=4).map(|i| app.stream_at(&path, token, json!({"edit_prompt": format!("Edit {i}")})));
    let results = futures::future::join_all(edits).await;
    let mut numbers: Vec<i64> =
        results.iter().map(|events| done(events)["version"]["version_number"].as_i64().unwrap()).collect();
    numbers.sort();
    assert_eq!(numbers, [2, 3, 4, 5]);

    let v = ok(&app, token, &variant_path(&prototype, &variant)).await;
    assert_eq!((v["versions_count"].as_i64(), v["latest_version_number"].as_i64()), (Some(5), Some(5)));
    let listed: Vec<i64> =
        v["versions"].as_array().unwrap().iter().map(|v| v["version_number"].as_i64().unwrap()).collect();
    assert_eq!(listed, [1, 2, 3, 4, 5]);
    let ids: BTreeSet<String> = v["versions"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(ids.len(), 5);
    let mut stored = BTreeSet::new();
    for n in 2..=5 {
        stored.insert(str_of(&ok(&app, token, &version_path(&prototype, &variant, n)).await, "html").to_string());
    }
    assert_eq!(stored, pages.iter().cloned().collect::<BTreeSet<_>>(), "each edit's page, once");
    assert_eq!(
        ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await["latest_version"]["version_number"],
        5
    );
    assert_eq!(objects_under(&app, &format!("prototypes/{}/{prototype}/", user.id)).await.len(), 5);
}

#[tokio::test]
async fn the_preview_is_sandboxed_html_behind_a_signature_bound_to_its_version() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Preview").await;
    let first = page("Preview me");
    let (prototype, variant) = generated(&app, token, &dp, &first).await;
    edited(&app, token, &prototype, &variant, &page("Edited")).await;
    script_page(&app, &page("Other variant")).await;
    let events = app.stream_at(&format!("/api/v1/prototypes/{prototype}/variants"), token, json!({})).await;
    let other_variant = id_of(&done(&events)["variant"]);
    let (other_prototype, other_original) = generated(&app, token, &dp, &page("Another prototype")).await;

    let v1_path = version_path(&prototype, &variant, 1);
    let v1 = ok(&app, token, &v1_path).await;
    let (url, local) = preview_request(&app, str_of(&v1, "preview_url"));
    assert!(url.scheme() == "http" || url.scheme() == "https", "{url}");
    assert_eq!(url.path(), format!("/api/v1/prototypes/{prototype}/variants/{variant}/versions/1/preview"));
    let sig = sig_of(&url);
    let expires = str_of(&v1, "preview_expires_at");
    let expires = time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).unwrap();
    let left = expires - app.clock.now();
    assert!(left > time::Duration::minutes(14) && left <= time::Duration::minutes(15), "valid 15 minutes: {left}");

    // No Authorization header: an iframe's request.
    let preview = app.send(app.http.get(&local)).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.text, first);
    assert_eq!(preview.headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(preview.headers["x-content-type-options"], "nosniff");
    let csp = preview.headers["content-security-policy"].to_str().unwrap().to_string();
    let directive = |name: &str| -> Vec<String> {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("a {name} directive in {csp}"))
            .split_whitespace()
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    let sandbox = directive("sandbox");
    assert!(sandbox.iter().any(|t| t == "allow-scripts"), "scripts run: {csp}");
    assert!(!csp.contains("allow-same-origin"), "never the API's origin: {csp}");
    assert!(directive("script-src").iter().any(|s| s == "https://cdn.tailwindcss.com"), "the Tailwind CDN: {csp}");

    // Signatures that are not this version's.
    let payload = sig.split('.').nth(1).expect("a JWT-shaped sig");
    let at = sig.find(payload).unwrap() + payload.len() / 2;
    let flipped = if &sig[at..at + 1] == "A" { "B" } else { "A" };
    let forged = format!("{}{flipped}{}", &sig[..at], &sig[at + 1..]);
    let sig_for = |path: String| {
        let app = &app;
        async move { sig_of(&preview_request(app, str_of(&ok(app, token, &path).await, "preview_url")).0) }
    };
    let v2_sig = sig_for(version_path(&prototype, &variant, 2)).await;
    let other_variant_sig = sig_for(version_path(&prototype, &other_variant, 1)).await;
    let other_prototype_sig = sig_for(version_path(&other_prototype, &other_original, 1)).await;
    for (what, bad) in [
        ("a forged sig", Some(forged.as_str())),
        ("version 2's sig", Some(v2_sig.as_str())),
        ("another variant's version 1 sig", Some(other_variant_sig.as_str())),
        ("another prototype's version 1 sig", Some(other_prototype_sig.as_str())),
        ("the session token", Some(token)),
        ("an empty sig", Some("")),
        ("no sig", None),
    ] {
        unauthorized(&preview_with(&app, &v1_path, bad).await, what);
    }
    unauthorized(&preview_with(&app, &version_path(&prototype, &variant, 2), Some(&sig)).await, "v1's sig on v2");
    assert_eq!(preview_with(&app, &version_path(&prototype, &variant, 2), Some(&v2_sig)).await.status, 200);

    // 15 minutes later the URL no longer works; a fresh one does.
    app.clock.advance(time::Duration::minutes(16));
    unauthorized(&app.send(app.http.get(&local)).await, "an expired sig");
    let fresh = sig_for(v1_path.clone()).await;
    let again = preview_with(&app, &v1_path, Some(&fresh)).await;
    assert_eq!((again.status, again.text.as_str()), (200, first.as_str()));
}

#[tokio::test]
async fn deleting_removes_everything_below_with_its_objects() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Doomed").await;
    let groups = format!("/api/v1/design-projects/{dp}/groups");
    let group_a = id_of(&created(&app, token, &groups, json!({"name": "Landing"})).await);
    let group_b = id_of(&created(&app, token, &groups, json!({"name": "Checkout", "description": "Steps"})).await);

    // Prototype A: grouped, with a second variant of two versions.
    script_page(&app, &page("A")).await;
    let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "A", "group_id": group_a})).await;
    let a = done(&events);
    let (proto_a, original_a) = (id_of(&a["prototype"]), id_of(&a["variant"]));
    assert_eq!(a["prototype"]["group_id"], group_a.as_str());
    edited(&app, token, &proto_a, &original_a, &page("A2")).await;
    script_page(&app, &page("A variant")).await;
    let events = app.stream_at(&format!("/api/v1/prototypes/{proto_a}/variants"), token, json!({})).await;
    let variant_a = id_of(&done(&events)["variant"]);
    let variant_a_v2 = id_of(&edited(&app, token, &proto_a, &variant_a, &page("A variant 2")).await);
    let variant_a_v1 = id_of(&ok(&app, token, &version_path(&proto_a, &variant_a, 1)).await);
    // Prototype B: one page, one more version.
    let (proto_b, original_b) = generated(&app, token, &dp, &page("B")).await;
    let version_b2 = id_of(&edited(&app, token, &proto_b, &original_b, &page("B2")).await);
    let project = |dp: &str| format!("/api/v1/design-projects/{dp}");
    assert_eq!(ok(&app, token, &project(&dp)).await["prototype_count"], 2);
    let prefix = format!("prototypes/{}/", user.id);
    assert_eq!(objects_under(&app, &prefix).await.len(), 6);

    // The original variant cannot go.
    let refused = app.call("DELETE", &variant_path(&proto_a, &original_a), Some(token), None).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["error"]["code"], "original_variant");
    assert_eq!(ok(&app, token, &variant_path(&proto_a, &original_a)).await["versions_count"], 2);

    // A variant takes its versions and their objects.
    let deleted = app.call("DELETE", &variant_path(&proto_a, &variant_a), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.get_auth(&variant_path(&proto_a, &variant_a), token).await.status, 404);
    assert_eq!(app.get_auth(&version_path(&proto_a, &variant_a, 1), token).await.status, 404);
    let p = ok(&app, token, &format!("/api/v1/prototypes/{proto_a}")).await;
    assert_eq!(p["variants_count"], 1);
    assert_eq!(p["variants"].as_array().unwrap().len(), 1);
    assert!(objects_under(&app, &format!("{prefix}{proto_a}/{variant_a}/")).await.is_empty());
    let below_a = partition(&app, &format!("USER#{}#PROTOTYPE#{proto_a}", user.id)).await;
    for id in [&variant_a, &variant_a_v1, &variant_a_v2] {
        assert!(below_a.iter().all(|sk| !sk.contains(id.as_str())), "{id} is gone: {below_a:?}");
    }
    assert_eq!(objects_under(&app, &prefix).await.len(), 4);

    // A prototype takes its variants, versions and objects.
    let deleted = app.call("DELETE", &format!("/api/v1/prototypes/{proto_b}"), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.get_auth(&format!("/api/v1/prototypes/{proto_b}"), token).await.status, 404);
    assert_eq!(app.get_auth(&version_path(&proto_b, &original_b, 1), token).await.status, 404);
    assert_eq!(ok(&app, token, &project(&dp)).await["prototype_count"], 1);
    assert!(objects_under(&app, &format!("{prefix}{proto_b}/")).await.is_empty());
    let table = app.table_items().await;
    for id in [&proto_b, &original_b, &version_b2] {
        assert_eq!(mentioning(&table, id), Vec::<&String>::new(), "no item of prototype B mentions {id}");
    }
    listed_eventually(&app, token, &format!("{}/prototypes", project(&dp)), &[&proto_a]).await;

    // The design project takes everything.
    let a_ids: Vec<String> = ok(&app, token, &variant_path(&proto_a, &original_a)).await["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    let deleted = app.call("DELETE", &project(&dp), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.get_auth(&project(&dp), token).await.status, 404);
    assert_eq!(app.get_auth(&format!("/api/v1/prototypes/{proto_a}"), token).await.status, 404);
    let table = app.table_items().await;
    let ids = [&dp, &group_a, &group_b, &proto_a, &original_a].into_iter().chain(&a_ids);
    for id in ids {
        assert_eq!(mentioning(&table, id), Vec::<&String>::new(), "no item mentions {id}");
    }
    assert_eq!(objects_under(&app, &prefix).await, Vec::<String>::new(), "no object is left");
    listed_eventually(&app, token, "/api/v1/design-projects", &[]).await;
    assert_eq!(app.call("DELETE", &project(&dp), Some(token), None).await.status, 404);
}

#[tokio::test]
async fn groups_order_by_position_and_deleting_one_ungroups_its_prototypes() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Grouped").await;
    let groups = format!("/api/v1/design-projects/{dp}/groups");
    let later = created(&app, token, &groups, json!({"name": "Later", "position": 2})).await;
    assert_eq!(later["design_project_id"], dp.as_str());
    assert_eq!(later["position"], 2);
    let later = id_of(&later);
    let first = id_of(&created(&app, token, &groups, json!({"name": "First", "position": 1})).await);
    let also_first = id_of(&created(&app, token, &groups, json!({"name": "Also first", "position": 1})).await);
    let listed: Vec<String> = ok(&app, token, &groups).await["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(listed, [first.clone(), also_first.clone(), later.clone()], "by position, then creation");

    let group = |gid: &str| format!("{groups}/{gid}");
    let renamed = app.call("PATCH", &group(&later), Some(token), Some(json!({"name": "Last", "position": 0}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!((renamed.body["name"].as_str(), renamed.body["position"].as_i64()), (Some("Last"), Some(0)));
    let listed: Vec<String> = ok(&app, token, &groups).await["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(listed, [later.clone(), first.clone(), also_first.clone()]);

    // A prototype generated into a group, one ungrouped and moved in, out and between.
    script_page(&app, &page("In a group")).await;
    let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "P1", "group_id": first})).await;
    let p1 = id_of(&done(&events)["prototype"]);
    let (p2, _) = generated(&app, token, &dp, &page("Loose")).await;
    let prototypes = format!("/api/v1/design-projects/{dp}/prototypes");
    let in_group = |gid: &str| format!("{prototypes}?group_id={gid}");
    listed_eventually(&app, token, &in_group(&first), &[&p1]).await;
    listed_eventually(&app, token, &prototypes, &[&p2, &p1]).await;

    let patch = |id: &str, body: Value| {
        let app = &app;
        let path = format!("/api/v1/prototypes/{id}");
        async move { app.call("PATCH", &path, Some(token), Some(body)).await }
    };
    let moved = patch(&p2, json!({"group_id": later})).await;
    assert_eq!((moved.status, moved.body["group_id"].as_str()), (200, Some(later.as_str())), "{}", moved.text);
    listed_eventually(&app, token, &in_group(&later), &[&p2]).await;
    let out = patch(&p1, json!({"group_id": null})).await;
    assert_eq!((out.status, out.body["group_id"].clone()), (200, Value::Null), "{}", out.text);
    listed_eventually(&app, token, &in_group(&first), &[]).await;
    let between = patch(&p2, json!({"group_id": also_first, "name": "Moved"})).await;
    assert_eq!(between.status, 200, "{}", between.text);
    assert_eq!(
        (between.body["group_id"].as_str(), between.body["name"].as_str()),
        (Some(also_first.as_str()), Some("Moved"))
    );
    listed_eventually(&app, token, &in_group(&also_first), &[&p2]).await;
    listed_eventually(&app, token, &in_group(&later), &[]).await;
    let p1_in_first = patch(&p1, json!({"group_id": also_first})).await;
    assert_eq!(p1_in_first.status, 200, "{}", p1_in_first.text);

    // Deleting the group keeps its prototypes, ungrouped.
    let deleted = app.call("DELETE", &group(&also_first), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    for id in [&p1, &p2] {
        let p = ok(&app, token, &format!("/api/v1/prototypes/{id}")).await;
        assert_eq!(p["group_id"], Value::Null, "{id} is ungrouped");
    }
    let listed: Vec<String> = ok(&app, token, &groups).await["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(listed, [later.clone(), first.clone()]);
    listed_eventually(&app, token, &prototypes, &[&p2, &p1]).await;
    assert_eq!(ok(&app, token, &format!("/api/v1/design-projects/{dp}")).await["prototype_count"], 2);
    assert_eq!(app.call("DELETE", &group(&also_first), Some(token), None).await.status, 404);
    let gone = patch(&p1, json!({"group_id": also_first})).await;
    assert!((400..500).contains(&gone.status), "a deleted group: {}", gone.text);
    assert!(gone.body["error"]["code"].is_string(), "{}", gone.text);
}

#[tokio::test]
async fn design_projects_are_created_listed_newest_first_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let first = created(&app, token, "/api/v1/design-projects", json!({"name": "Older"})).await;
    assert_eq!(first["prototype_count"], 0);
    assert!(first["created_at"].is_string() && first["updated_at"].is_string());
    let first = id_of(&first);
    let body = json!({"name": "Newer", "description": "The checkout flow"});
    let second = created(&app, token, "/api/v1/design-projects", body).await;
    assert_eq!(second["description"], "The checkout flow");
    let second = id_of(&second);
    listed_eventually(&app, token, "/api/v1/design-projects", &[&second, &first]).await;

    let path = format!("/api/v1/design-projects/{first}");
    let changed = app.call("PATCH", &path, Some(token), Some(json!({"name": "Renamed", "description": "Now"}))).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!((changed.body["name"].as_str(), changed.body["description"].as_str()), (Some("Renamed"), Some("Now")));
    let read = ok(&app, token, &path).await;
    assert_eq!((read["name"].as_str(), read["description"].as_str()), (Some("Renamed"), Some("Now")));
    assert_eq!(app.call("DELETE", &path, Some(token), None).await.status, 204);
    assert_eq!(app.get_auth(&path, token).await.status, 404);
    listed_eventually(&app, token, "/api/v1/design-projects", &[&second]).await;
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_that_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let invalid = |reply: &Reply, field: &str, what: &str| {
        assert_eq!(reply.status, 400, "{what}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request", "{what}");
        assert!(reply.body["error"]["fields"][field].is_array(), "{what}: fields.{field} in {}", reply.text);
    };
    let long = "x".repeat(5_000);
    let huge = "x".repeat(100_001);
    for (body, field) in [
        (json!({"name": " "}), "name"),
        (json!({"name": long}), "name"),
        (json!({"name": "Ok", "description": huge}), "description"),
    ] {
        let reply = app.call("POST", "/api/v1/design-projects", Some(token), Some(body.clone())).await;
        invalid(&reply, field, &format!("a design project {body:.60}"));
    }
    let dp = design_project(&app, token, "Valid").await;
    let project = format!("/api/v1/design-projects/{dp}");
    let reply = app.call("PATCH", &project, Some(token), Some(json!({"name": ""}))).await;
    invalid(&reply, "name", "renaming to nothing");
    let groups = format!("{project}/groups");
    for (body, field) in [(json!({"name": ""}), "name"), (json!({"name": long}), "name")] {
        invalid(&app.call("POST", &groups, Some(token), Some(body)).await, field, "a group");
    }
    assert_eq!(ok(&app, token, &groups).await["items"], json!([]), "no group was made");

    // Generation: refused before anything is stored.
    let generate = generate_path(&dp);
    for (body, field) in [
        (json!({"prompt": ""}), "prompt"),
        (json!({"prompt": "   \n"}), "prompt"),
        (json!({"prompt": "A page", "name": long}), "name"),
    ] {
        let reply = app.open_stream_at(&generate, token, body.clone()).await.err().expect("no stream");
        invalid(&reply, field, &format!("generate {body:.60}"));
    }
    let unknown_group = json!({"prompt": "A page", "group_id": uuid::Uuid::now_v7()});
    let reply = app.open_stream_at(&generate, token, unknown_group).await.err().expect("no stream");
    assert!(reply.status == 400 || reply.status == 404, "an unknown group: {}", reply.text);
    assert!(reply.body["error"]["code"].is_string(), "{}", reply.text);
    let other_dp = design_project(&app, token, "Other").await;
    let others_group =
        id_of(&created(&app, token, &format!("/api/v1/design-projects/{other_dp}/groups"), json!({"name": "G"})).await);
    let body = json!({"prompt": "A page", "group_id": others_group});
    let reply = app.open_stream_at(&generate, token, body).await.err().expect("no stream");
    assert!(reply.status == 400 || reply.status == 404, "another design project's group: {}", reply.text);
    let missing = format!("/api/v1/design-projects/{}/prototypes/generate", uuid::Uuid::now_v7());
    let reply = app.open_stream_at(&missing, token, json!({"prompt": "A page"})).await.err().expect("no stream");
    assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (404, Some("not_found")), "{}", reply.text);
    assert_eq!(ok(&app, token, &project).await["prototype_count"], 0);
    assert!(objects_under(&app, &format!("prototypes/{}/", user.id)).await.is_empty());

    // On a prototype: blank edits, unknown source variants, bad version numbers.
    let (prototype, variant) = generated(&app, token, &dp, &page("Valid")).await;
    let versions = format!("{}/versions", variant_path(&prototype, &variant));
    for body in [json!({"edit_prompt": ""}), json!({"edit_prompt": " "})] {
        let reply = app.open_stream_at(&versions, token, body.clone()).await.err().expect("no stream");
        invalid(&reply, "edit_prompt", &format!("edit {body}"));
    }
    let reply = app.open_stream_at(&versions, token, json!({})).await.err().expect("no stream");
    assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (400, Some("invalid_request")), "{}", reply.text);
    let (other_prototype, other_variant) = generated(&app, token, &dp, &page("Elsewhere")).await;
    let variants = format!("/api/v1/prototypes/{prototype}/variants");
    for from in [uuid::Uuid::now_v7().to_string(), other_variant.clone()] {
        let body = json!({"from_variant_id": from});
        let reply = app.open_stream_at(&variants, token, body).await.err().expect("no stream");
        assert!(reply.status == 400 || reply.status == 404, "from {from}: {}", reply.text);
        assert!(reply.body["error"]["code"].is_string(), "{}", reply.text);
    }
    let reply =
        app.call("PATCH", &format!("/api/v1/prototypes/{prototype}"), Some(token), Some(json!({"name": long}))).await;
    invalid(&reply, "name", "renaming a prototype");
    let p = ok(&app, token, &format!("/api/v1/prototypes/{prototype}")).await;
    assert_eq!((p["variants_count"].as_i64(), p["name"].is_string()), (Some(1), true));
    assert_ne!(p["name"], long.as_str());
    let v = ok(&app, token, &variant_path(&prototype, &variant)).await;
    assert_eq!(v["versions_count"], 1);
    for n in ["0", "-1", "2", "abc", "1.5", "99999999999999999999"] {
        for suffix in ["", "/preview?sig=x"] {
            let path = format!("{}/versions/{n}{suffix}", variant_path(&prototype, &variant));
            let reply = app.get_auth(&path, token).await;
            assert!((400..500).contains(&reply.status), "{path}: {} {}", reply.status, reply.text);
            assert!(reply.body["error"]["code"].is_string(), "{path}: {}", reply.text);
        }
    }
    for path in [
        format!("/api/v1/prototypes/{}", uuid::Uuid::now_v7()),
        variant_path(&prototype, &uuid::Uuid::now_v7().to_string()),
        variant_path(&other_prototype, &variant),
        version_path(&other_prototype, &variant, 1),
        "/api/v1/prototypes/not-a-uuid".to_string(),
    ] {
        let reply = app.get_auth(&path, token).await;
        assert!(reply.status == 404 || reply.status == 400, "{path}: {}", reply.text);
        assert!(reply.body["error"]["code"].is_string(), "{path}: {}", reply.text);
    }
}

#[tokio::test]
async fn generation_falls_back_before_the_first_token_and_counts_in_daily_usage() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let dp = design_project(&app, token, "Usage").await;
    app.script_model(json!({"error": "ThrottlingException", "model": PRIMARY_MODEL})).await;
    let text = reply_with(&page("From the fallback"));
    app.script_model(json!({"text": text, "model": FALLBACK_MODEL, "input_tokens": 300, "output_tokens": 40})).await;
    let events = app.stream_at(&generate_path(&dp), token, json!({"prompt": "A page"})).await;
    let generated = done(&events);
    assert_eq!(generated["model"], FALLBACK_MODEL);
    let (prototype, variant) = (id_of(&generated["prototype"]), id_of(&generated["variant"]));
    assert_eq!(
        str_of(&ok(&app, token, &version_path(&prototype, &variant, 1)).await, "html"),
        page("From the fallback")
    );

    let text = reply_with(&page("A variant"));
    app.script_model(json!({"text": text, "model": PRIMARY_MODEL, "input_tokens": 200, "output_tokens": 30})).await;
    done(&app.stream_at(&format!("/api/v1/prototypes/{prototype}/variants"), token, json!({})).await);
    let text = reply_with(&page("An edit"));
    app.script_model(json!({"text": text, "model": PRIMARY_MODEL, "input_tokens": 100, "output_tokens": 20})).await;
    let path = format!("{}/versions", variant_path(&prototype, &variant));
    done(&app.stream_at(&path, token, json!({"edit_prompt": "Bluer"})).await);

    let today = app.clock.now().date().to_string();
    let report = ok(&app, token, &format!("/api/v1/usage?from={today}&to={today}")).await;
    assert_eq!(report["by_model"][PRIMARY_MODEL], json!({"input_tokens": 300, "output_tokens": 50, "requests": 2}));
    assert_eq!(report["by_model"][FALLBACK_MODEL], json!({"input_tokens": 300, "output_tokens": 40, "requests": 1}));
    assert_eq!(report["days"], json!([{"date": today, "input_tokens": 600, "output_tokens": 90, "requests": 3}]));
}
