//! The memory curation API: memories and their tags, as the user sees and controls them.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use system_tests::*;
use uuid::Uuid;

const CATEGORIES: [&str; 7] = ["personal", "professional", "preference", "project", "skill", "goal", "other"];

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/memories", Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> Reply {
    app.call("PATCH", &format!("/api/v1/memories/{id}"), Some(token), Some(body)).await
}

fn id_of(memory: &Value) -> String {
    memory["id"].as_str().expect("an id").to_string()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(id_of).collect()
}

/// Every page of `path` (a list with `?` already in it) at `limit`, checking that each
/// page but the last is full; the ids in order.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let page = app.get_auth(&url, token).await;
        assert_eq!(page.status, 200, "{url}: {}", page.text);
        let items = ids(&page.body);
        cursor = page.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_some() {
            assert_eq!(items.len(), limit, "{url}: a page is full while more follow");
        } else {
            assert!(items.len() <= limit);
        }
        seen.extend(items);
        if cursor.is_none() {
            return seen;
        }
    }
}

async fn stored(app: &TestApp, owner: &str, id: &str) -> shared::store::memories::MemoryItem {
    let (owner, id) = (Uuid::parse_str(owner).unwrap(), Uuid::parse_str(id).unwrap());
    shared::store::memories::get(&app.deps.table, owner, id).await.unwrap().expect("the memory is stored")
}

#[tokio::test]
async fn memories_are_written_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let body = json!({
        "summary": "  Prefers Rust for systems work. ",
        "category": "preference",
        "raw_content": "I always reach for Rust when it has to be fast.",
        "tags": ["Rust", " rust ", "Systems  Programming"],
    });
    let created = create(&app, token, body).await;
    let id = id_of(&created);
    assert_eq!(created["summary"], "Prefers Rust for systems work.");
    assert_eq!(created["category"], "preference");
    assert_eq!(created["raw_content"], "I always reach for Rust when it has to be fast.");
    assert_eq!(created["tags"], json!(["rust", "systems-programming"]));
    assert_eq!(created["confidence_score"], 1.0);
    assert_eq!(created["is_verified"], true);
    assert_eq!(created["is_active"], true);
    assert_eq!(created["source_chat_id"], Value::Null);
    assert_eq!(created["reference_count"], 0);
    assert_eq!(created["last_referenced_at"], Value::Null);
    assert_eq!(created["created_at"], created["updated_at"]);
    let keys: BTreeSet<&str> = created.as_object().unwrap().keys().map(String::as_str).collect();
    let contract = [
        "id",
        "summary",
        "raw_content",
        "category",
        "confidence_score",
        "tags",
        "is_verified",
        "is_active",
        "source_chat_id",
        "reference_count",
        "last_referenced_at",
        "created_at",
        "updated_at",
    ];
    assert_eq!(keys, BTreeSet::from(contract), "the memory object of the contract");
    let item = stored(&app, &user.id, &id).await;
    assert_eq!(item.token_count, shared::memory::count_line(&item).await, "the prompt line's tokens are stored");
    assert!(item.token_count > 0);

    let fetched = app.get_auth(&format!("/api/v1/memories/{id}"), token).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, created);

    app.clock.advance(time::Duration::minutes(1));
    let changed = patch(
        &app,
        token,
        &id,
        json!({"summary": "Writes embedded firmware in Rust.", "category": "skill", "tags": ["Embedded"], "is_active": false, "is_verified": false}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["summary"], "Writes embedded firmware in Rust.");
    assert_eq!(changed.body["category"], "skill");
    assert_eq!(changed.body["tags"], json!(["embedded"]));
    assert_eq!(changed.body["is_active"], false);
    assert_eq!(changed.body["is_verified"], false);
    assert_eq!(changed.body["raw_content"], created["raw_content"], "not part of the change");
    assert_eq!(changed.body["created_at"], created["created_at"]);
    assert_ne!(changed.body["updated_at"], created["updated_at"]);
    assert_eq!(app.get_auth(&format!("/api/v1/memories/{id}"), token).await.body, changed.body);
    let item = stored(&app, &user.id, &id).await;
    assert_eq!(item.token_count, shared::memory::count_line(&item).await, "counted again for the new line");

    // Nothing to change, or nulls: the memory as it is, not written again.
    app.clock.advance(time::Duration::minutes(1));
    for nothing in [json!({}), json!({"summary": null, "tags": null, "is_active": null})] {
        let same = patch(&app, token, &id, nothing).await;
        assert_eq!(same.status, 200, "{}", same.text);
        assert_eq!(same.body, changed.body);
    }
    let cleared = patch(&app, token, &id, json!({"tags": []})).await;
    assert_eq!(cleared.body["tags"], json!([]));

    let deleted = app.call("DELETE", &format!("/api/v1/memories/{id}"), Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.get_auth(&format!("/api/v1/memories/{id}"), token).await.status, 404);
    assert_eq!(patch(&app, token, &id, json!({"is_active": true})).await.status, 404);
    assert_eq!(app.call("DELETE", &format!("/api/v1/memories/{id}"), Some(token), None).await.status, 404);
    assert_eq!(app.get_auth(&format!("/api/v1/memories/{}", Uuid::now_v7()), token).await.status, 404);
    assert_eq!(app.get_auth("/api/v1/memories/not-a-uuid", token).await.status, 404);
}

#[tokio::test]
async fn invalid_input_is_refused_with_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let ok = |extra: Value| {
        let mut body = json!({"summary": "Likes tea.", "category": "preference"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    for (body, field) in [
        (ok(json!({"summary": "   "})), Some("summary")),
        (ok(json!({"summary": "s".repeat(501)})), Some("summary")),
        (ok(json!({"raw_content": "r".repeat(5_001)})), Some("raw_content")),
        (ok(json!({"tags": eleven})), Some("tags")),
        (ok(json!({"tags": ["fine", "a/b"]})), Some("tags")),
        (ok(json!({"tags": ["x".repeat(51)]})), Some("tags")),
        (ok(json!({"tags": ["   "]})), Some("tags")),
        (ok(json!({"category": "hobby"})), None),
        (json!({"summary": "No category"}), None),
        (ok(json!({"confidence_score": 0.2})), None),
        (ok(json!({"tags": "rust"})), None),
    ] {
        let reply = app.call("POST", "/api/v1/memories", Some(token), Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request", "{body}");
        if let Some(field) = field {
            assert!(reply.body["error"]["fields"][field].is_array(), "{body}: {}", reply.text);
        }
    }
    let list = app.get_auth("/api/v1/memories", token).await;
    assert_eq!(list.body["items"], json!([]), "nothing was stored");
    assert_eq!(app.get_auth("/api/v1/memory-tags", token).await.body["items"], json!([]), "no tag was made");

    let memory = create(&app, token, ok(json!({"tags": ["tea"]}))).await;
    let id = id_of(&memory);
    for (body, field) in [
        (json!({"summary": ""}), Some("summary")),
        (json!({"summary": "s".repeat(501), "is_active": false}), Some("summary")),
        (json!({"tags": ["ok", "no/pe"], "category": "goal"}), Some("tags")),
        (json!({"category": "hobby"}), None),
        (json!({"is_active": "no"}), None),
        (json!({"raw_content": "not editable here"}), None),
    ] {
        let reply = patch(&app, token, &id, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        if let Some(field) = field {
            assert!(reply.body["error"]["fields"][field].is_array(), "{body}: {}", reply.text);
        }
    }
    assert_eq!(app.get_auth(&format!("/api/v1/memories/{id}"), token).await.body, memory, "unchanged");

    for (query, field) in [
        ("category=hobby", "category"),
        ("active=maybe", "active"),
        ("verified=2", "verified"),
        ("tag=a%2Fb", "tag"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
    ] {
        let reply = app.get_auth(&format!("/api/v1/memories?{query}"), token).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.text);
        assert!(reply.body["error"]["fields"][field].is_array(), "{query}: {}", reply.text);
    }
    let bad_cursor = app.get_auth("/api/v1/memories?cursor=bm90LWEtY3Vyc29y", token).await;
    assert_eq!(bad_cursor.status, 400);
    assert_eq!(bad_cursor.body["error"]["code"], "invalid_cursor");

    for name in [json!("a/b"), json!("   "), json!("x".repeat(51))] {
        let reply = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": name}))).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.text);
        assert!(reply.body["error"]["fields"]["name"].is_array(), "{}", reply.text);
    }
    let tags = app.get_auth("/api/v1/memory-tags", token).await.body["items"].clone();
    assert_eq!(tags.as_array().unwrap().len(), 1, "only the memory's tag: {tags}");
}

#[tokio::test]
async fn filters_and_cursors_page_through_every_memory_once() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    // 25 memories, oldest first: every third a skill, every other one tagged `even`,
    // every fifth inactive, every seventh unverified.
    let mut all: Vec<(String, usize)> = Vec::new();
    for i in 0..25 {
        let category = if i % 3 == 0 { "skill" } else { "other" };
        let tags = if i % 2 == 0 { json!(["Even", "all"]) } else { json!(["all"]) };
        let memory =
            create(&app, token, json!({"summary": format!("Fact {i}."), "category": category, "tags": tags})).await;
        let id = id_of(&memory);
        if i % 5 == 0 || i % 7 == 0 {
            let change = json!({"is_active": i % 5 != 0, "is_verified": i % 7 != 0});
            assert_eq!(patch(&app, token, &id, change).await.status, 200);
        }
        all.push((id, i));
    }
    let newest_first = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        all.iter().rev().filter(|(_, i)| keep(*i)).map(|(id, _)| id.clone()).collect()
    };

    let everything = all_pages(&app, token, "/api/v1/memories?", 10).await;
    assert_eq!(everything, newest_first(&|_| true), "newest first, each once");
    let first = app.get_auth("/api/v1/memories", token).await;
    assert_eq!(ids(&first.body).len(), 20, "20 by default");

    let cases: [(&str, &dyn Fn(usize) -> bool); 8] = [
        ("category=other", &|i| i % 3 != 0),
        ("category=skill", &|i| i % 3 == 0),
        ("tag=EVEN", &|i| i % 2 == 0),
        ("active=false", &|i| i % 5 == 0),
        ("active=true", &|i| i % 5 != 0),
        ("verified=false", &|i| i % 7 == 0),
        ("category=other&tag=even&active=true", &|i| i % 3 != 0 && i % 2 == 0 && i % 5 != 0),
        ("category=goal", &|_| false),
    ];
    for (filter, keep) in cases {
        let expected = newest_first(keep);
        let paged = all_pages(&app, token, &format!("/api/v1/memories?{filter}"), 10).await;
        assert_eq!(paged, expected, "{filter}");
        let three = all_pages(&app, token, &format!("/api/v1/memories?{filter}"), 3).await;
        assert_eq!(three, expected, "{filter}, 3 a page");
    }
    // 16 are `other`: a page of 10, then the 6 left and no cursor.
    let page = app.get_auth("/api/v1/memories?category=other&limit=10", token).await;
    assert_eq!(ids(&page.body).len(), 10);
    let cursor = page.body["next_cursor"].as_str().expect("more follow").to_string();
    let rest = app.get_auth(&format!("/api/v1/memories?category=other&limit=10&cursor={cursor}"), token).await;
    assert_eq!(ids(&rest.body).len(), 6);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    // A cursor is a position in this user's list only.
    let bob = app.verified_user().await;
    let foreign = app.get_auth(&format!("/api/v1/memories?cursor={cursor}"), &bob.token).await;
    assert_eq!(foreign.status, 400, "{}", foreign.text);
    assert_eq!(foreign.body["error"]["code"], "invalid_cursor");
}

#[tokio::test]
async fn stats_are_exact_after_creates_changes_and_deletes() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let stats = || async { app.get_auth("/api/v1/memories/stats", token).await.body };
    let empty = stats().await;
    assert_eq!(empty["total"], 0);
    assert_eq!(
        empty["by_category"],
        json!(CATEGORIES.iter().map(|c| (c.to_string(), json!(0))).collect::<serde_json::Map<_, _>>())
    );
    assert_eq!(empty["top_tags"], json!([]));

    let a = create(&app, token, json!({"summary": "A.", "category": "skill", "tags": ["rust", "go"]})).await;
    let b = create(&app, token, json!({"summary": "B.", "category": "skill", "tags": ["rust"]})).await;
    let c = create(&app, token, json!({"summary": "C.", "category": "goal", "tags": ["go", "zig"]})).await;
    let d = create(&app, token, json!({"summary": "D.", "category": "personal", "tags": ["gone", "go"]})).await;
    // Twelve more tags, once each, so only the first by name make the top ten.
    let many: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    create(&app, token, json!({"summary": "E.", "category": "personal", "tags": many[..10]})).await;
    create(&app, token, json!({"summary": "F.", "category": "other", "tags": many[10..]})).await;
    assert_eq!(patch(&app, token, &id_of(&b), json!({"is_active": false})).await.status, 200);
    assert_eq!(patch(&app, token, &id_of(&c), json!({"is_verified": false, "category": "project"})).await.status, 200);
    assert_eq!(patch(&app, token, &id_of(&a), json!({"tags": ["rust", "go", "zig"]})).await.status, 200);
    assert_eq!(app.call("DELETE", &format!("/api/v1/memories/{}", id_of(&d)), Some(token), None).await.status, 204);

    let now = stats().await;
    assert_eq!(now["total"], 5);
    assert_eq!(now["active"], 4);
    assert_eq!(now["verified"], 4);
    let expected_categories =
        json!({"personal": 1, "professional": 0, "preference": 0, "project": 1, "skill": 2, "goal": 0, "other": 1});
    assert_eq!(now["by_category"], expected_categories);
    let mut top = vec![
        json!({"name": "go", "count": 2}),
        json!({"name": "rust", "count": 2}),
        json!({"name": "zig", "count": 2}),
    ];
    top.extend(many.iter().take(7).map(|name| json!({"name": name, "count": 1})));
    assert_eq!(now["top_tags"], json!(top), "most used first, then by name, at most 10");
}

#[tokio::test]
async fn tags_are_listed_with_exact_counts_and_deleting_one_takes_it_off_every_memory() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let cpp_rust =
        create(&app, token, json!({"summary": "Knows C++ and Rust.", "category": "skill", "tags": ["C++", "Rust"]}))
            .await;
    let cpp =
        create(&app, token, json!({"summary": "Maintains a C++ codebase.", "category": "project", "tags": ["c++"]}))
            .await;
    let csharp =
        create(&app, token, json!({"summary": "Used C# at work.", "category": "professional", "tags": ["C#"]})).await;

    let zig = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": "  Zig  Lang "}))).await;
    assert_eq!(zig.status, 201, "{}", zig.text);
    assert_eq!(zig.body["name"], "zig-lang");
    assert_eq!(zig.body["memory_count"], 0);
    let again = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": "ZIG-lang"}))).await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.body["error"]["code"], "tag_exists");
    let held = app.call("POST", "/api/v1/memory-tags", Some(token), Some(json!({"name": "rust"}))).await;
    assert_eq!(held.status, 409, "a memory's tag exists: {}", held.text);

    let listed = |body: &Value| -> Vec<(String, i64)> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t["memory_count"].as_i64().unwrap()))
            .collect()
    };
    let tags = app.get_auth("/api/v1/memory-tags", token).await;
    assert_eq!(tags.status, 200, "{}", tags.text);
    let named = |pairs: &[(&str, i64)]| pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect::<Vec<_>>();
    assert_eq!(listed(&tags.body), named(&[("c#", 1), ("c++", 2), ("rust", 1), ("zig-lang", 0)]));
    assert_eq!(tags.body["next_cursor"], Value::Null);
    assert!(tags.body["items"].as_array().unwrap().iter().all(|t| t["created_at"].is_string()));

    // Deleting a tag (URL-encoded) takes it off its memories, and it is gone.
    let deleted = app.call("DELETE", "/api/v1/memory-tags/c%2B%2B", Some(token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let app = &app;
    let memory = |m: &Value| {
        let path = format!("/api/v1/memories/{}", id_of(m));
        async move { app.get_auth(&path, token).await.body }
    };
    assert_eq!(memory(&cpp_rust).await["tags"], json!(["rust"]));
    assert_eq!(memory(&cpp).await["tags"], json!([]));
    assert_eq!(memory(&csharp).await["tags"], json!(["c#"]));
    let c_sharp = app.call("DELETE", "/api/v1/memory-tags/C%23", Some(token), None).await;
    assert_eq!(c_sharp.status, 204, "by its name as written: {}", c_sharp.text);
    assert_eq!(memory(&csharp).await["tags"], json!([]));
    assert_eq!(app.call("DELETE", "/api/v1/memory-tags/zig-lang", Some(token), None).await.status, 204);
    let tags = app.get_auth("/api/v1/memory-tags", token).await;
    assert_eq!(listed(&tags.body), named(&[("rust", 1)]));
    let stats = app.get_auth("/api/v1/memories/stats", token).await.body;
    assert_eq!(stats["top_tags"], json!([{"name": "rust", "count": 1}]));
    for gone in ["c%2B%2B", "zig-lang", "never-made"] {
        let reply = app.call("DELETE", &format!("/api/v1/memory-tags/{gone}"), Some(token), None).await;
        assert_eq!(reply.status, 404, "{gone}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    // A tag whose item went missing still shows, counted, and can be deleted.
    let owner = Uuid::parse_str(&user.id).unwrap();
    assert!(shared::store::memories::delete_tag(&app.deps.table, owner, "rust").await.unwrap());
    let tags = app.get_auth("/api/v1/memory-tags", token).await;
    assert_eq!(listed(&tags.body), named(&[("rust", 1)]));
    assert_eq!(tags.body["items"][0]["created_at"], cpp_rust["created_at"], "when its first memory was made");
    assert_eq!(app.call("DELETE", "/api/v1/memory-tags/rust", Some(token), None).await.status, 204);
    assert_eq!(memory(&cpp_rust).await["tags"], json!([]));
    assert_eq!(app.get_auth("/api/v1/memory-tags", token).await.body["items"], json!([]));
}

#[tokio::test]
async fn concurrent_changes_to_one_memory_are_each_applied() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let memory =
        create(&app, token, json!({"summary": "Drinks tea.", "category": "preference", "tags": ["tea"]})).await;
    let id = id_of(&memory);
    let changes = [json!({"is_active": false}), json!({"is_verified": false}), json!({"category": "personal"})];
    let replies = futures::future::join_all(changes.into_iter().map(|change| patch(&app, token, &id, change))).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let now = app.get_auth(&format!("/api/v1/memories/{id}"), token).await.body;
    assert_eq!(
        (&now["is_active"], &now["is_verified"], &now["category"]),
        (&json!(false), &json!(false), &json!("personal"))
    );
    assert_eq!(now["tags"], json!(["tea"]));
}

#[tokio::test]
async fn another_users_memories_and_tags_are_not_found() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let memory =
        create(&app, &ada.token, json!({"summary": "Ada's.", "category": "personal", "tags": ["secret"]})).await;
    let path = format!("/api/v1/memories/{}", id_of(&memory));
    let as_bob = |method: &'static str, path: String, body: Option<Value>| {
        let token = bob.token.clone();
        let app = &app;
        async move { app.call(method, &path, Some(&token), body).await }
    };
    for reply in [
        as_bob("GET", path.clone(), None).await,
        as_bob("PATCH", path.clone(), Some(json!({"is_active": false}))).await,
        as_bob("DELETE", path.clone(), None).await,
        as_bob("DELETE", "/api/v1/memory-tags/secret".into(), None).await,
    ] {
        assert_eq!(reply.status, 404, "{}", reply.text);
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    assert_eq!(app.get_auth("/api/v1/memories", &bob.token).await.body["items"], json!([]));
    assert_eq!(app.get_auth("/api/v1/memory-tags", &bob.token).await.body["items"], json!([]));
    assert_eq!(app.get_auth("/api/v1/memories/stats", &bob.token).await.body["total"], 0);
    // Bob may have a tag of the same name: it is his own.
    let his = app.call("POST", "/api/v1/memory-tags", Some(&bob.token), Some(json!({"name": "secret"}))).await;
    assert_eq!(his.status, 201, "{}", his.text);
    assert_eq!(as_bob("DELETE", "/api/v1/memory-tags/secret".into(), None).await.status, 204);

    assert_eq!(app.get_auth(&path, &ada.token).await.body, memory, "Ada's memory is as it was");
    let tags = app.get_auth("/api/v1/memory-tags", &ada.token).await.body;
    assert_eq!(tags["items"][0]["name"], "secret");
    assert_eq!(tags["items"][0]["memory_count"], 1);
}
