//! The authorization matrix, walked from the route table rather than a hand-written
//! list: for every route with an id in its path, user A owns the resource; user B gets
//! 404 and A's data stays as it was; no token and a revoked token get 401. A route
//! without a fixture here fails the test, so every new route has to join it. A public
//! route with an id (the prototype preview, opened by its signature) answers B with 401.

use serde_json::{json, Value};
use system_tests::files::{upload, PNG};
use system_tests::*;

/// The body B sends to each route with a path id: valid, so that only ownership can
/// refuse it. `None` for routes without a body.
fn fixture_body(route: &str) -> Option<Option<Value>> {
    Some(match route {
        "auth-sessions-delete" => None,
        "prompts-get" | "prompts-delete" => None,
        "prompts-update" => Some(json!({"name": "Bob's now"})),
        "chats-get" | "chats-delete" | "chats-archive" | "chats-unarchive" | "chats-messages" | "chats-usage" => None,
        "chats-extract-memories" => None,
        "chats-update" => Some(json!({"title": "Bob's now"})),
        "chats-system-prompt" => Some(json!({"system_prompt": "Bob's now"})),
        "chats-pair-update" => Some(json!({"text": "Bob's now"})),
        "chats-pair-toggle" | "chats-pair-delete" => None,
        "files-complete" | "files-get" | "files-delete" => None,
        "projects-get" | "projects-delete" | "projects-chats" | "projects-usage" => None,
        "projects-update" => Some(json!({"name": "Bob's now"})),
        "projects-knowledge-list" => None,
        "projects-knowledge-create" => Some(json!({"title": "Bob's", "content": "Bob was here"})),
        "projects-knowledge-get" | "projects-knowledge-delete" | "projects-knowledge-toggle" => None,
        "projects-knowledge-update" => Some(json!({"title": "Bob's now"})),
        "memories-get" | "memories-delete" => None,
        "memories-update" => Some(json!({"summary": "Bob's now", "is_active": false})),
        "memory-tags-delete" => None,
        "design-projects-get" | "design-projects-delete" | "design-project-groups-list" => None,
        "design-project-prototypes" => None,
        "design-projects-update" => Some(json!({"name": "Bob's now"})),
        "design-project-groups-create" => Some(json!({"name": "Bob's"})),
        "design-project-groups-update" => Some(json!({"name": "Bob's now"})),
        "design-project-groups-delete" => None,
        "prototypes-generate" => Some(json!({"prompt": "Bob's page"})),
        "prototypes-get" | "prototypes-delete" => None,
        "prototypes-update" => Some(json!({"name": "Bob's now"})),
        "prototype-variants-create" => Some(json!({"prompt": "Bob's design"})),
        "prototype-variants-get" | "prototype-variants-delete" => None,
        "prototype-versions-create" => Some(json!({"edit_prompt": "Bob's edit"})),
        "prototype-versions-get" | "prototype-versions-preview" => None,
        "imports-get" | "exports-get" => None,
        _ => return None,
    })
}

/// Everything Ada owns, by the path parameter that names it.
struct Owned {
    chat: String,
    pair: String,
    project: String,
    knowledge: String,
    prompt: String,
    file: String,
    other_session: String,
    memory: String,
    tag: String,
    design_project: String,
    group: String,
    prototype: String,
    variant: String,
    import: String,
    export: String,
}

impl Owned {
    /// `path` with each `{param}` replaced by Ada's id for it; `None` names a
    /// parameter this matrix has no fixture for.
    fn fill(&self, path: &str) -> Result<String, String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut filled = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            if !segment.starts_with('{') {
                filled.push(segment.to_string());
                continue;
            }
            let parent = segments[i - 1];
            let id: &str = match (parent, *segment) {
                ("chats", "{id}") => &self.chat,
                ("pairs", "{pair_id}") => &self.pair,
                ("projects", "{id}") => &self.project,
                ("knowledge", "{kid}") => &self.knowledge,
                ("prompts", "{id}") => &self.prompt,
                ("files", "{id}") => &self.file,
                ("sessions", "{id}") => &self.other_session,
                ("memories", "{id}") => &self.memory,
                ("memory-tags", "{name}") => &self.tag,
                ("design-projects", "{id}") => &self.design_project,
                ("groups", "{gid}") => &self.group,
                ("prototypes", "{id}") => &self.prototype,
                ("variants", "{vid}") => &self.variant,
                ("versions", "{n}") => "1",
                ("import", "{id}") => &self.import,
                ("export", "{id}") => &self.export,
                _ => return Err(format!("no fixture for {segment} after /{parent}/ in {path}")),
            };
            filled.push(id.to_string());
        }
        Ok(filled.join("/"))
    }
}

/// What Ada sees of her data, without the fields that change on every read.
async fn snapshot(app: &TestApp, token: &str, owned: &Owned) -> Vec<Value> {
    let paths = [
        format!("/api/v1/chats/{}", owned.chat),
        format!("/api/v1/chats/{}/messages", owned.chat),
        format!("/api/v1/chats/{}/usage", owned.chat),
        format!("/api/v1/projects/{}", owned.project),
        format!("/api/v1/projects/{}/chats", owned.project),
        format!("/api/v1/projects/{}/knowledge", owned.project),
        format!("/api/v1/projects/{}/knowledge/{}", owned.project, owned.knowledge),
        format!("/api/v1/prompts/{}", owned.prompt),
        format!("/api/v1/files/{}", owned.file),
        "/api/v1/auth/sessions".to_string(),
        format!("/api/v1/memories/{}", owned.memory),
        "/api/v1/memories".to_string(),
        "/api/v1/memories/stats".to_string(),
        "/api/v1/memory-tags".to_string(),
        "/api/v1/design-projects".to_string(),
        format!("/api/v1/design-projects/{}", owned.design_project),
        format!("/api/v1/design-projects/{}/groups", owned.design_project),
        format!("/api/v1/design-projects/{}/prototypes", owned.design_project),
        format!("/api/v1/prototypes/{}", owned.prototype),
        format!("/api/v1/prototypes/{}/variants/{}", owned.prototype, owned.variant),
        format!("/api/v1/prototypes/{}/variants/{}/versions/1", owned.prototype, owned.variant),
        format!("/api/v1/import/{}", owned.import),
        format!("/api/v1/export/{}", owned.export),
    ];
    let mut seen = Vec::new();
    for path in paths {
        let reply = app.get_auth(&path, token).await;
        assert_eq!(reply.status, 200, "Ada reads {path}: {}", reply.text);
        let mut body = reply.body;
        strip_volatile(&mut body);
        seen.push(json!({"path": path, "body": body}));
    }
    seen
}

fn strip_volatile(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("download_url");
            map.remove("last_used_at");
            map.remove("preview_url");
            map.remove("preview_expires_at");
            map.values_mut().for_each(strip_volatile);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

#[tokio::test]
async fn no_user_reaches_another_users_resources_through_any_route() {
    let mut app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;

    // Ada's world: a chat with a pair, a project with knowledge, a prompt, a file, a
    // memory with a tag and a second session.
    let events = app.chat(&ada.token, json!({"text": "Hello there"})).await;
    let start = &event(&events, "start").data;
    let chat = start["chat_id"].as_str().unwrap().to_string();
    let pair = start["pair_id"].as_str().unwrap().to_string();
    let project = app.call("POST", "/api/v1/projects", Some(&ada.token), Some(json!({"name": "Ada's"}))).await;
    assert_eq!(project.status, 201, "{}", project.text);
    let project = project.body["id"].as_str().unwrap().to_string();
    let knowledge_path = format!("/api/v1/projects/{project}/knowledge");
    let knowledge = json!({"title": "Notes", "content": "Ada's notes"});
    let knowledge = app.call("POST", &knowledge_path, Some(&ada.token), Some(knowledge)).await;
    assert_eq!(knowledge.status, 201, "{}", knowledge.text);
    let in_project = json!({"title": "In the project", "project_id": project});
    assert_eq!(app.call("POST", "/api/v1/chats", Some(&ada.token), Some(in_project)).await.status, 201);
    let prompt = json!({"name": "Terse", "content": "Be terse."});
    let prompt = app.call("POST", "/api/v1/prompts", Some(&ada.token), Some(prompt)).await;
    assert_eq!(prompt.status, 201, "{}", prompt.text);
    let file = upload(&app, &ada.token, "a.png", "image/png", PNG, "attachment").await;
    assert_eq!(file.status, 200, "{}", file.text);
    // A design project with a group and a prototype (its original variant has version 1).
    let design = app.call("POST", "/api/v1/design-projects", Some(&ada.token), Some(json!({"name": "Ada's"}))).await;
    assert_eq!(design.status, 201, "{}", design.text);
    let design_project = design.body["id"].as_str().unwrap().to_string();
    let groups_path = format!("/api/v1/design-projects/{design_project}/groups");
    let group = app.call("POST", &groups_path, Some(&ada.token), Some(json!({"name": "Screens"}))).await;
    assert_eq!(group.status, 201, "{}", group.text);
    let group = group.body["id"].as_str().unwrap().to_string();
    let page = "<!DOCTYPE html><html><body class=\"p-4\">Ada's page</body></html>";
    let reply = format!("<prototype_file name=\"index.html\">{page}</prototype_file>");
    app.script_model(json!({"text": reply, "model": PRIMARY_MODEL})).await;
    let generate = format!("/api/v1/design-projects/{design_project}/prototypes/generate");
    let generated = app.stream_at(&generate, &ada.token, json!({"prompt": "A page", "group_id": group})).await;
    let done = event(&generated, "done");
    let prototype = done.data["prototype"]["id"].as_str().unwrap().to_string();
    let variant = done.data["variant"]["id"].as_str().unwrap().to_string();
    let listed = eventually(std::time::Duration::from_secs(10), || async {
        let prototypes = format!("/api/v1/design-projects/{design_project}/prototypes");
        let mut listed = true;
        for list in [prototypes.as_str(), "/api/v1/design-projects"] {
            let list = app.get_auth(list, &ada.token).await;
            listed &= list.body["items"].as_array().is_some_and(|items| items.len() == 1);
        }
        listed.then_some(())
    })
    .await;
    assert!(listed.is_some(), "Ada's design project and prototype are listed");
    let memory = json!({"summary": "Ada writes C++.", "category": "skill", "tags": ["C++"]});
    let memory = app.call("POST", "/api/v1/memories", Some(&ada.token), Some(memory)).await;
    assert_eq!(memory.status, 201, "{}", memory.text);
    // An import of Ada's, run to its end (so that it no longer changes).
    let import_file = upload(&app, &ada.token, "conversations.json", "application/json", b"[]", "import").await;
    assert_eq!(import_file.status, 200, "{}", import_file.text);
    let started = json!({"file_id": import_file.body["id"], "format": "chatgpt"});
    let started = app.call("POST", "/api/v1/import", Some(&ada.token), Some(started)).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let import = started.body["id"].as_str().unwrap().to_string();
    let finished = eventually(std::time::Duration::from_secs(20), || async {
        let reply = app.get_auth(&format!("/api/v1/import/{import}"), &ada.token).await;
        (reply.body["status"] == "complete").then_some(())
    })
    .await;
    assert!(finished.is_some(), "Ada's import ran");
    // An export of Ada's, written.
    let started = app.call("POST", "/api/v1/export", Some(&ada.token), None).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let export = started.body["id"].as_str().unwrap().to_string();
    let finished = eventually(std::time::Duration::from_secs(20), || async {
        let reply = app.get_auth(&format!("/api/v1/export/{export}"), &ada.token).await;
        (reply.body["status"] == "complete").then_some(())
    })
    .await;
    assert!(finished.is_some(), "Ada's export ran");
    app.new_ip();
    let second = app.login(&ada.email, PASSWORD).await;
    assert_eq!(second.status, 200);
    let sessions = app.get_auth("/api/v1/auth/sessions", &ada.token).await;
    let other_session = sessions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .expect("Ada's second session")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let owned = Owned {
        chat,
        pair,
        project,
        knowledge: knowledge.body["id"].as_str().unwrap().to_string(),
        prompt: prompt.body["id"].as_str().unwrap().to_string(),
        file: file.body["id"].as_str().unwrap().to_string(),
        other_session,
        memory: memory.body["id"].as_str().unwrap().to_string(),
        tag: "c++".to_string(),
        design_project,
        group,
        prototype,
        variant,
        import,
        export,
    };
    let before = snapshot(&app, &ada.token, &owned).await;

    // A token of Bob's that was revoked.
    let revoked = app.login(&bob.email, PASSWORD).await.body["token"].as_str().unwrap().to_string();
    assert_eq!(app.call("POST", "/api/v1/auth/logout", Some(&revoked), None).await.status, 204);

    let mut missing = Vec::new();
    let mut covered = Vec::new();
    for route in functions::routes() {
        if !route.path().contains('{') {
            continue;
        }
        let (Some(body), Ok(path)) = (fixture_body(route.name), owned.fill(route.path())) else {
            missing.push(route.name);
            continue;
        };
        let as_bob = app.call(route.method(), &path, Some(&bob.token), body.clone()).await;
        if route.public {
            // A public route with an id (the preview) opens only with a signature of
            // Ada's: Bob's token is no key to it.
            assert_eq!(as_bob.status, 401, "{} {path} as Bob: {}", route.name, as_bob.text);
            assert!(as_bob.body["error"]["code"].is_string(), "{}: {}", route.name, as_bob.text);
            let forged = app.call(route.method(), &format!("{path}?sig={}", bob.token), None, None).await;
            assert_eq!(forged.status, 401, "{} {path} with Bob's token as sig: {}", route.name, forged.text);
            covered.push(route.name);
            continue;
        }
        assert_eq!(as_bob.status, 404, "{} {path} as Bob: {}", route.name, as_bob.text);
        assert_eq!(as_bob.body["error"]["code"], "not_found", "{}", route.name);
        for (who, token) in [("no token", None), ("a revoked token", Some(revoked.as_str()))] {
            let reply = app.call(route.method(), &path, token, body.clone()).await;
            assert_eq!(reply.status, 401, "{} {path} with {who}: {}", route.name, reply.text);
            assert_eq!(reply.body["error"]["code"], "not_authenticated", "{}", route.name);
        }
        covered.push(route.name);
    }
    assert!(missing.is_empty(), "routes with a path id but no fixture in the matrix: {missing:?}");
    assert_eq!(snapshot(&app, &ada.token, &owned).await, before, "Ada's data changed");
    let key = format!("files/{}/{}", ada.id, owned.file);
    let object = app.deps.s3.head_object().bucket(&app.deps.config.files_bucket).key(&key).send().await;
    assert!(object.is_ok(), "Ada's file is still stored");
    let pages = app
        .deps
        .s3
        .list_objects_v2()
        .bucket(&app.deps.config.files_bucket)
        .prefix(format!("prototypes/{}/{}/", ada.id, owned.prototype))
        .send()
        .await
        .expect("listing Ada's pages");
    assert_eq!(pages.contents().len(), 1, "Ada's page is still stored");
    let answers = app.model_requests().await.into_iter().filter(|r| r["model_id"] == PRIMARY_MODEL).count();
    assert_eq!(answers, 2, "only Ada's one message and one page reached the model");
    println!("authorization matrix: {} routes covered, 0 leaks: {covered:?}", covered.len());
}
