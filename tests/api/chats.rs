//! Chats and their settings (streaming comes with the chat stream).

use serde_json::{json, Value};
use system_tests::*;

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.call("POST", "/api/v1/chats", Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

fn titles(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_chat_is_created_read_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let blank = create(&app, &user.token, json!({})).await;
    assert_eq!(blank["title"], "New chat");
    assert_eq!(blank["archived"], false);
    assert!(blank["project_id"].is_null() && blank["system_prompt"].is_null());
    assert_eq!((blank["message_count"].as_i64(), blank["total_tokens"].as_i64()), (Some(0), Some(0)));

    let chat = create(&app, &user.token, json!({"title": "Lifetimes", "system_prompt": "Answer briefly."})).await;
    let id = chat["id"].as_str().unwrap();
    let path = format!("/api/v1/chats/{id}");
    assert_eq!(app.get_auth(&path, &user.token).await.body, chat);

    let renamed = app.call("PATCH", &path, Some(&user.token), Some(json!({"title": "Lifetimes, explained"}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["title"], "Lifetimes, explained");
    assert_eq!(renamed.body["system_prompt"], "Answer briefly.");
    let at = |v: &Value| {
        time::OffsetDateTime::parse(v.as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert!(at(&renamed.body["updated_at"]) > at(&chat["updated_at"]));

    let prompt = app
        .call(
            "PUT",
            &format!("{path}/system-prompt"),
            Some(&user.token),
            Some(json!({"system_prompt": "Be a pirate."})),
        )
        .await;
    assert_eq!(prompt.body["system_prompt"], "Be a pirate.");
    let cleared = app.call("PATCH", &path, Some(&user.token), Some(json!({"system_prompt": null}))).await;
    assert!(cleared.body["system_prompt"].is_null());

    assert_eq!(app.call("DELETE", &path, Some(&user.token), None).await.status, 204);
    assert_eq!(app.get_auth(&path, &user.token).await.status, 404);
    assert_eq!(titles(&app.get_auth("/api/v1/chats", &user.token).await.body), ["New chat"]);
}

#[tokio::test]
async fn lists_put_the_latest_update_first_and_filter() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let mut ids = Vec::new();
    for title in ["Rust traits", "Python async", "rusty nails", "Go channels"] {
        ids.push(create(&app, &user.token, json!({"title": title})).await["id"].as_str().unwrap().to_string());
    }
    let list = app.get_auth("/api/v1/chats", &user.token).await;
    assert_eq!(titles(&list.body), ["Go channels", "rusty nails", "Python async", "Rust traits"]);

    // Touching the oldest chat moves it to the top.
    app.call("PATCH", &format!("/api/v1/chats/{}", ids[0]), Some(&user.token), Some(json!({"title": "Rust traits!"})))
        .await;
    let list = app.get_auth("/api/v1/chats", &user.token).await;
    assert_eq!(titles(&list.body)[0], "Rust traits!");

    let search = app.get_auth("/api/v1/chats?q=RUST", &user.token).await;
    assert_eq!(titles(&search.body), ["Rust traits!", "rusty nails"]);

    // Archived chats leave the default list and appear under archived=true.
    let archived = app.call("POST", &format!("/api/v1/chats/{}/archive", ids[1]), Some(&user.token), None).await;
    assert_eq!(archived.body["archived"], true);
    assert_eq!(titles(&app.get_auth("/api/v1/chats", &user.token).await.body).len(), 3);
    assert_eq!(titles(&app.get_auth("/api/v1/chats?archived=true", &user.token).await.body), ["Python async"]);
    let back = app.call("POST", &format!("/api/v1/chats/{}/unarchive", ids[1]), Some(&user.token), None).await;
    assert_eq!(back.body["archived"], false);
    assert!(titles(&app.get_auth("/api/v1/chats?archived=true", &user.token).await.body).is_empty());

    // Pages of 2 with cursors cover every chat once.
    let first = app.get_auth("/api/v1/chats?limit=2", &user.token).await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let second = app.get_auth(&format!("/api/v1/chats?limit=2&cursor={cursor}"), &user.token).await;
    let mut all = titles(&first.body);
    all.extend(titles(&second.body));
    assert_eq!(all.len(), 4);
    let cursor_in_archive = app.get_auth(&format!("/api/v1/chats?archived=true&cursor={cursor}"), &user.token).await;
    assert_eq!(cursor_in_archive.body["error"]["code"], "invalid_cursor");
    for bad in ["archived=maybe", "project_id=nope", "limit=0"] {
        assert_eq!(app.get_auth(&format!("/api/v1/chats?{bad}"), &user.token).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let chat = create(&app, &user.token, json!({"title": "Keep me"})).await;
    let path = format!("/api/v1/chats/{}", chat["id"].as_str().unwrap());
    for body in [
        json!({"title": ""}),
        json!({"title": "t".repeat(256)}),
        json!({"system_prompt": "p".repeat(50_001)}),
        json!({"archived": "yes"}),
        json!({"colour": "red"}),
    ] {
        let reply = app.call("PATCH", &path, Some(&user.token), Some(body.clone())).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request");
    }
    let unknown_project = uuid::Uuid::now_v7();
    let reply =
        app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"project_id": unknown_project}))).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body["error"]["fields"]["project_id"].is_array());
    assert_eq!(app.get_auth(&path, &user.token).await.body, chat, "unchanged");
    assert_eq!(titles(&app.get_auth("/api/v1/chats", &user.token).await.body), ["Keep me"]);
}

#[tokio::test]
async fn another_users_chat_is_not_found_on_every_route() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let chat = create(&app, &ada.token, json!({"title": "Ada's secrets"})).await;
    let path = format!("/api/v1/chats/{}", chat["id"].as_str().unwrap());
    let attempts = [
        ("GET", path.clone(), None),
        ("PATCH", path.clone(), Some(json!({"title": "mine"}))),
        ("DELETE", path.clone(), None),
        ("POST", format!("{path}/archive"), None),
        ("POST", format!("{path}/unarchive"), None),
        ("PUT", format!("{path}/system-prompt"), Some(json!({"system_prompt": "x"}))),
    ];
    for (method, path, body) in attempts {
        let reply = app.call(method, &path, Some(&bob.token), body).await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    assert!(titles(&app.get_auth("/api/v1/chats", &bob.token).await.body).is_empty());
    assert_eq!(app.get_auth(&path, &ada.token).await.body, chat, "Ada's chat is untouched");
}

/// Every page of `path` (which has its own query) with `limit`: each page but the last
/// holds `limit` items, the last one ends the list (no cursor), and the ids are in
/// list order.
async fn every_page(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<String> {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let (mut ids, mut cursor, mut updated) = (Vec::new(), None::<String>, Vec::new());
    loop {
        let mut url = format!("{path}{joiner}limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.get_auth(&url, token).await;
        assert_eq!(page.status, 200, "{url}: {}", page.text);
        let items = page.body["items"].as_array().unwrap();
        ids.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        updated.extend(items.iter().map(|c| c["updated_at"].as_str().unwrap().to_string()));
        match page.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), limit, "{url}: a page with more to come is full");
                cursor = Some(next.to_string());
            }
            None => {
                assert!(items.len() <= limit, "{url}");
                break;
            }
        }
    }
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "{path}: most recently updated first");
    ids
}

#[tokio::test]
async fn filtered_lists_fill_every_page_until_the_last() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let token = user.token.as_str();
    let project = |name: &'static str| {
        let app = &app;
        async move {
            let reply = app.call("POST", "/api/v1/projects", Some(token), Some(json!({"name": name}))).await;
            reply.body["id"].as_str().unwrap().to_string()
        }
    };
    let (p, q) = (project("P").await, project("Q").await);
    // 40 chats; few match each filter, spread out among the others.
    struct Chat {
        id: String,
        needle: bool,
        project: Option<String>,
        archived: bool,
    }
    let mut chats = Vec::new();
    for i in 0..40 {
        let needle = i % 4 == 1;
        let in_project = match i % 5 {
            0 => Some(p.clone()),
            3 => Some(q.clone()),
            _ => None,
        };
        let title = if needle { format!("Needle {i}") } else { format!("Hay {i}") };
        let chat = create(&app, token, json!({"title": title, "project_id": in_project})).await;
        chats.push(Chat { id: chat["id"].as_str().unwrap().to_string(), needle, project: in_project, archived: false });
    }
    // Moves and archiving keep every list right.
    for i in (0..40).filter(|i| i % 7 == 0) {
        let reply = app.call("POST", &format!("/api/v1/chats/{}/archive", chats[i].id), Some(token), None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        chats[i].archived = true;
    }
    for (i, to) in [(1, Some(p.clone())), (5, None), (13, Some(p.clone())), (20, Some(q.clone()))] {
        let path = format!("/api/v1/chats/{}", chats[i].id);
        let reply = app.call("PATCH", &path, Some(token), Some(json!({"project_id": to}))).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        chats[i].project = to;
    }

    let in_p = |c: &Chat| c.project.as_deref() == Some(p.as_str());
    assert!(chats.iter().filter(|c| in_p(c)).count() >= 8, "the project has chats to page through");
    type Matches = fn(&Chat, bool) -> bool;
    let cases: [(String, Matches); 8] = [
        ("/api/v1/chats".into(), |c, _| !c.archived),
        ("/api/v1/chats?q=NEEDLE".into(), |c, _| c.needle && !c.archived),
        ("/api/v1/chats?archived=true".into(), |c, _| c.archived),
        ("/api/v1/chats?archived=true&q=needle".into(), |c, _| c.archived && c.needle),
        (format!("/api/v1/chats?project_id={p}"), |c, in_p| in_p && !c.archived),
        (format!("/api/v1/chats?project_id={p}&archived=true"), |c, in_p| in_p && c.archived),
        (format!("/api/v1/projects/{p}/chats"), |c, in_p| in_p && !c.archived),
        (format!("/api/v1/projects/{p}/chats?q=needle"), |c, in_p| in_p && !c.archived && c.needle),
    ];
    for (path, matches) in &cases {
        let mut expected: Vec<&str> = chats.iter().filter(|c| matches(c, in_p(c))).map(|c| c.id.as_str()).collect();
        assert!(!expected.is_empty(), "{path}: the case has matches");
        expected.sort();
        for limit in [1, 2, 3, expected.len()] {
            let mut ids = every_page(&app, token, path, limit).await;
            let listed = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), listed, "{path} limit={limit}: no chat twice");
            assert_eq!(ids, expected, "{path} limit={limit}: every match, nothing else");
        }
    }
}
