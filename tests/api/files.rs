//! Files end to end: presigned uploads of real bytes to the emulator's S3, the check
//! on completion, downloads, attachments in chat, avatars and the cleanup job.

use serde_json::{json, Value};
use system_tests::files::*;
use system_tests::*;

async fn object_exists(app: &TestApp, key: &str) -> bool {
    app.deps.s3.head_object().bucket(&app.deps.config.files_bucket).key(key).send().await.is_ok()
}

#[tokio::test]
async fn a_png_uploads_completes_and_downloads() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let spec = json!({"filename": "diagram.png", "content_type": "image/png", "size": PNG.len()});
    let valid = app.call("POST", "/api/v1/files/validate", Some(&user.token), Some(spec)).await;
    assert_eq!((valid.status, valid.body.clone()), (200, json!({"valid": true})));

    let started =
        start_upload(&app, &user.token, "../../etc/diagram \"final\".png", "image/png", PNG.len(), "attachment").await;
    let url = started.ticket["upload"]["url"].as_str().unwrap().to_string();
    assert_eq!(started.ticket["upload"]["method"], "PUT");
    assert_eq!(started.ticket["upload"]["headers"]["content-type"], "image/png");
    // The signature covers the type and the length: S3 refuses any other.
    let signed = url.split("X-Amz-SignedHeaders=").nth(1).unwrap().split('&').next().unwrap();
    assert_eq!(signed, "content-length%3Bcontent-type%3Bhost");
    assert!(url.contains(&format!("/uploads/{}/{}", user.id, started.id)), "keyed by owner and id: {url}");
    assert!(!url.contains("diagram"), "the filename is never part of a key");
    put_bytes(&started, PNG).await;

    let done = app.call("POST", &format!("/api/v1/files/{}/complete", started.id), Some(&user.token), None).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["status"], "ready");
    assert_eq!(done.body["kind"], "image");
    assert_eq!(done.body["media_type"], "image/png");
    assert_eq!(done.body["size"], PNG.len());
    assert_eq!(done.body["filename"], "../../etc/diagram \"final\".png");
    assert!(object_exists(&app, &format!("files/{}/{}", user.id, started.id)).await);
    assert!(!object_exists(&app, &format!("uploads/{}/{}", user.id, started.id)).await, "moved out of uploads/");

    let file = app.get_auth(&format!("/api/v1/files/{}", started.id), &user.token).await;
    assert_eq!(file.status, 200);
    let download = reqwest::get(file.body["download_url"].as_str().unwrap()).await.unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"../../etc/diagram _final_.png\"; filename*=UTF-8''"),
        "{disposition}"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    // Completing again changes nothing; deleting removes record and bytes.
    let again = app.call("POST", &format!("/api/v1/files/{}/complete", started.id), Some(&user.token), None).await;
    assert_eq!(again.body["status"], "ready");
    assert_eq!(app.call("DELETE", &format!("/api/v1/files/{}", started.id), Some(&user.token), None).await.status, 204);
    assert_eq!(app.get_auth(&format!("/api/v1/files/{}", started.id), &user.token).await.status, 404);
    assert!(!object_exists(&app, &format!("files/{}/{}", user.id, started.id)).await);
}

#[tokio::test]
async fn bytes_that_are_not_what_was_declared_are_refused_and_removed() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    type Case<'a> = (&'a str, &'a str, &'a [u8], usize, u16, &'a str);
    let cases: [Case; 4] = [
        ("report.pdf", "application/pdf", PNG, PNG.len(), 415, "unsupported_media_type"),
        ("photo.jpg", "image/jpeg", b"this is plain text, not a JPEG", 30, 415, "unsupported_media_type"),
        ("notes.txt", "text/plain", PNG, PNG.len(), 415, "unsupported_media_type"),
        ("small.png", "image/png", PNG, 20, 400, "size_mismatch"),
    ];
    for (filename, content_type, bytes, declared, status, code) in cases {
        let started = start_upload(&app, &user.token, filename, content_type, declared, "attachment").await;
        // Larger than declared: the emulator does not enforce the signed length, so the
        // check on completion has to.
        let mut request = reqwest::Client::new().put(started.ticket["upload"]["url"].as_str().unwrap());
        request = request.header("content-type", content_type);
        assert!(request.body(bytes.to_vec()).send().await.unwrap().status().is_success());
        let done = app.call("POST", &format!("/api/v1/files/{}/complete", started.id), Some(&user.token), None).await;
        assert_eq!(
            (done.status, done.body["error"]["code"].as_str()),
            (status, Some(code)),
            "{filename}: {}",
            done.text
        );
        assert!(!object_exists(&app, &format!("uploads/{}/{}", user.id, started.id)).await, "{filename}: object gone");
        assert_eq!(app.get_auth(&format!("/api/v1/files/{}", started.id), &user.token).await.status, 404);
    }
    // Declared small, uploaded over the limit for images: too large.
    let huge = vec![0u8; 3_750_001];
    let started = start_upload(&app, &user.token, "huge.png", "image/png", 100, "attachment").await;
    let request = reqwest::Client::new().put(started.ticket["upload"]["url"].as_str().unwrap());
    assert!(request.header("content-type", "image/png").body(huge).send().await.unwrap().status().is_success());
    let done = app.call("POST", &format!("/api/v1/files/{}/complete", started.id), Some(&user.token), None).await;
    assert_eq!((done.status, done.body["error"]["code"].as_str()), (413, Some("file_too_large")), "{}", done.text);
    assert!(!object_exists(&app, &format!("uploads/{}/{}", user.id, started.id)).await);

    // A PDF declared as a PDF is fine.
    let pdf = upload(&app, &user.token, "spec.pdf", "application/pdf", PDF, "attachment").await;
    assert_eq!((pdf.status, pdf.body["kind"].as_str()), (200, Some("document")), "{}", pdf.text);

    // Nothing uploaded yet: refused, and the upload can still happen.
    let pending = start_upload(&app, &user.token, "later.png", "image/png", PNG.len(), "attachment").await;
    let early = app.call("POST", &format!("/api/v1/files/{}/complete", pending.id), Some(&user.token), None).await;
    assert_eq!((early.status, early.body["error"]["code"].as_str()), (400, Some("upload_missing")));
    let file = app.get_auth(&format!("/api/v1/files/{}", pending.id), &user.token).await;
    assert_eq!(file.body["status"], "pending");
    assert!(file.body.get("download_url").is_none());
    put_bytes(&pending, PNG).await;
    let late = app.call("POST", &format!("/api/v1/files/{}/complete", pending.id), Some(&user.token), None).await;
    assert_eq!(late.status, 200);
}

#[tokio::test]
async fn declared_files_outside_the_rules_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let cases = [
        (
            json!({"filename": "big.png", "content_type": "image/png", "size": 3_750_001, "purpose": "attachment"}),
            "size",
        ),
        (
            json!({"filename": "big.pdf", "content_type": "application/pdf", "size": 4_500_001, "purpose": "attachment"}),
            "size",
        ),
        (json!({"filename": "me.png", "content_type": "image/png", "size": 2_000_001, "purpose": "avatar"}), "size"),
        (
            json!({"filename": "me.pdf", "content_type": "application/pdf", "size": 10, "purpose": "avatar"}),
            "content_type",
        ),
        (
            json!({"filename": "tool.exe", "content_type": "application/x-msdownload", "size": 10, "purpose": "attachment"}),
            "content_type",
        ),
        (json!({"filename": " ", "content_type": "image/png", "size": 10, "purpose": "attachment"}), "filename"),
        (json!({"filename": "empty.png", "content_type": "image/png", "size": 0, "purpose": "attachment"}), "size"),
    ];
    for (body, field) in cases {
        for path in ["/api/v1/files/validate", "/api/v1/files"] {
            let reply = app.call("POST", path, Some(&user.token), Some(body.clone())).await;
            assert_eq!(reply.status, 400, "{path} {body}: {}", reply.text);
            assert!(reply.body["error"]["fields"][field].is_array(), "{path} {body}: {}", reply.text);
        }
    }
    let unknown_purpose = json!({"filename": "a.png", "content_type": "image/png", "size": 10, "purpose": "banner"});
    assert_eq!(app.call("POST", "/api/v1/files", Some(&user.token), Some(unknown_purpose)).await.status, 400);
}

#[tokio::test]
async fn attachments_reach_the_model_as_image_and_document_blocks() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let mut ids = Vec::new();
    for name in ["one.png", "two.png"] {
        let done = upload(&app, &user.token, name, "image/png", PNG, "attachment").await;
        ids.push(done.body["id"].as_str().unwrap().to_string());
    }
    let pdf = upload(&app, &user.token, "Q3 report.pdf", "application/pdf", PDF, "attachment").await;
    ids.push(pdf.body["id"].as_str().unwrap().to_string());

    let events = app.chat(&user.token, json!({"text": "Compare these", "file_ids": ids})).await;
    let chat_id = event(&events, "start").data["chat_id"].as_str().unwrap().to_string();
    let asked = |log: &[Value]| -> Value {
        log.iter().rev().find(|r| r["model_id"] == PRIMARY_MODEL).unwrap()["messages"].clone()
    };
    let messages = asked(&app.model_requests().await);
    assert_eq!(messages[0]["images"], 2);
    assert_eq!(messages[0]["documents"], 1);
    assert_eq!(messages[0]["text"], "Compare these");

    let pairs = app.get_auth(&format!("/api/v1/chats/{chat_id}/messages"), &user.token).await;
    let content = &pairs.body["items"][0]["user_message"]["content"];
    let types: Vec<&str> = content.as_array().unwrap().iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["image", "image", "document", "text"]);
    assert_eq!(content[2]["filename"], "Q3 report.pdf");
    assert_eq!(content[2]["media_type"], "application/pdf");
    assert_eq!(content[0]["size"], PNG.len());

    // The next message replays them with the history.
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "And now?"})).await;
    let messages = asked(&app.model_requests().await);
    assert_eq!((messages[0]["images"].as_i64(), messages[0]["documents"].as_i64()), (Some(2), Some(1)));
    assert_eq!((messages[2]["images"].as_i64(), messages[2]["text"].as_str()), (Some(0), Some("And now?")));

    // Limits per message, unready files, and files of another chat are refused.
    let pending = start_upload(&app, &user.token, "x.png", "image/png", PNG.len(), "attachment").await;
    let cases = [
        json!({"text": "hi", "file_ids": [pending.id]}),
        json!({"text": "hi", "file_ids": [ids[0], ids[0]]}),
        json!({"text": "hi", "file_ids": [ids[0]]}), // attached in another chat
    ];
    for body in cases {
        let reply = app.open_stream(&user.token, body.clone()).await.err().expect("no stream");
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert!(reply.body["error"]["fields"]["file_ids"].is_array(), "{body}");
    }
    let mut pdfs = Vec::new();
    for i in 0..6 {
        let done = upload(&app, &user.token, &format!("doc{i}.pdf"), "application/pdf", PDF, "attachment").await;
        pdfs.push(done.body["id"].as_str().unwrap().to_string());
    }
    let reply = app.open_stream(&user.token, json!({"text": "six", "file_ids": pdfs})).await.err().expect("no stream");
    assert_eq!(reply.status, 400);
    assert!(reply.text.contains("At most 5 documents"), "{}", reply.text);
}

#[tokio::test]
async fn another_users_files_are_not_found_anywhere() {
    let app = TestApp::spawn().await;
    let owner = app.verified_user().await;
    let other = app.verified_user().await;
    let image = upload(&app, &owner.token, "mine.png", "image/png", PNG, "attachment").await;
    let image_id = image.body["id"].as_str().unwrap().to_string();
    let avatar = upload(&app, &owner.token, "me.png", "image/png", PNG, "avatar").await;
    let avatar_id = avatar.body["id"].as_str().unwrap().to_string();
    let pending = start_upload(&app, &owner.token, "p.png", "image/png", PNG.len(), "attachment").await;
    for id in [&image_id, &avatar_id, &pending.id] {
        for (method, path) in [
            ("GET", format!("/api/v1/files/{id}")),
            ("POST", format!("/api/v1/files/{id}/complete")),
            ("DELETE", format!("/api/v1/files/{id}")),
        ] {
            let reply = app.call(method, &path, Some(&other.token), None).await;
            assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
        }
    }
    let stream = app.open_stream(&other.token, json!({"text": "hi", "file_ids": [image_id]})).await;
    assert_eq!(stream.err().expect("no stream").status, 404);
    let me = app.call("PATCH", "/api/v1/auth/me", Some(&other.token), Some(json!({"avatar_file_id": avatar_id}))).await;
    assert_eq!(me.status, 404, "{}", me.text);
    // Still the owner's, untouched.
    assert_eq!(app.get_auth(&format!("/api/v1/files/{image_id}"), &owner.token).await.body["status"], "ready");
    assert_eq!(app.get_auth(&format!("/api/v1/files/{}", pending.id), &owner.token).await.body["status"], "pending");
}

#[tokio::test]
async fn an_avatar_is_set_shown_and_removed() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let avatar = upload(&app, &user.token, "me.png", "image/png", PNG, "avatar").await;
    let avatar_id = avatar.body["id"].as_str().unwrap().to_string();
    let attachment = upload(&app, &user.token, "pic.png", "image/png", PNG, "attachment").await;
    let refused = app
        .call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"avatar_file_id": attachment.body["id"]})))
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body["error"]["fields"]["avatar_file_id"].is_array());

    let set = app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"avatar_file_id": avatar_id}))).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let me = app.get_auth("/api/v1/auth/me", &user.token).await;
    let url = me.body["avatar_url"].as_str().expect("an avatar URL").to_string();
    assert_eq!(reqwest::get(&url).await.unwrap().bytes().await.unwrap().as_ref(), PNG);
    // Avatars live apart from attachments: the profile routes may read only those.
    let object = format!("avatars/{}/{avatar_id}", user.id);
    assert!(object_exists(&app, &object).await);
    assert!(!object_exists(&app, &format!("files/{}/{avatar_id}", user.id)).await);
    // Other changes keep it.
    let renamed = app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"first_name": "Ada"}))).await;
    assert!(renamed.body["avatar_url"].is_string());

    let removed = app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"avatar_file_id": null}))).await;
    assert_eq!(removed.body["avatar_url"], Value::Null);
    // Deleting the file that is the avatar removes it from the profile.
    app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(json!({"avatar_file_id": avatar_id}))).await;
    assert_eq!(app.call("DELETE", &format!("/api/v1/files/{avatar_id}"), Some(&user.token), None).await.status, 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.body["avatar_url"], Value::Null);
    assert!(!object_exists(&app, &object).await, "its bytes went with it");
}

#[tokio::test]
async fn the_cleanup_job_removes_stale_uploads_and_files_of_deleted_chats() {
    // The job works across all users: its own table keeps other tests' uploads out.
    let app = TestApp::spawn_with(AppOptions { own_table: true, ..Default::default() }).await;
    let user = app.verified_user().await;
    let stale = start_upload(&app, &user.token, "stale.png", "image/png", PNG.len(), "attachment").await;
    put_bytes(&stale, PNG).await;
    let attached = upload(&app, &user.token, "in-chat.png", "image/png", PNG, "attachment").await;
    let attached_id = attached.body["id"].as_str().unwrap().to_string();
    let events = app.chat(&user.token, json!({"text": "look", "file_ids": [attached_id]})).await;
    let chat_id = event(&events, "start").data["chat_id"].as_str().unwrap().to_string();
    // A file of a pair deleted on its own goes too.
    let in_pair = upload(&app, &user.token, "in-pair.png", "image/png", PNG, "attachment").await;
    let in_pair_id = in_pair.body["id"].as_str().unwrap().to_string();
    let other = app.chat(&user.token, json!({"text": "this one", "file_ids": [in_pair_id]})).await;
    let other_start = &event(&other, "start").data;
    let pair_path = format!(
        "/api/v1/chats/{}/pairs/{}",
        other_start["chat_id"].as_str().unwrap(),
        other_start["pair_id"].as_str().unwrap()
    );
    assert_eq!(app.call("DELETE", &pair_path, Some(&user.token), None).await.status, 204);
    let kept = upload(&app, &user.token, "kept.png", "image/png", PNG, "attachment").await;
    let kept_id = kept.body["id"].as_str().unwrap().to_string();

    // A day and an hour later, a fresh upload starts; the chat is deleted.
    app.clock.advance(time::Duration::hours(25));
    let fresh = start_upload(&app, &user.token, "fresh.png", "image/png", PNG.len(), "attachment").await;
    put_bytes(&fresh, PNG).await;
    assert_eq!(app.call("DELETE", &format!("/api/v1/chats/{chat_id}"), Some(&user.token), None).await.status, 204);

    let cleanup = functions::scheduled().iter().find(|s| s.name == "files-cleanup").unwrap();
    cleanup.run(&app.deps, Default::default()).await.unwrap();
    let status = |id: String| {
        let app = &app;
        let token = user.token.clone();
        async move { app.get_auth(&format!("/api/v1/files/{id}"), &token).await.status }
    };
    assert_eq!(status(stale.id.clone()).await, 404, "the stale upload is gone");
    assert!(!object_exists(&app, &format!("uploads/{}/{}", user.id, stale.id)).await);
    assert_eq!(status(attached_id.clone()).await, 404, "the deleted chat's file is gone");
    assert!(!object_exists(&app, &format!("files/{}/{attached_id}", user.id)).await);
    assert_eq!(status(in_pair_id.clone()).await, 404, "the deleted pair's file is gone");
    assert!(!object_exists(&app, &format!("files/{}/{in_pair_id}", user.id)).await);
    assert_eq!(status(fresh.id.clone()).await, 200, "a fresh upload stays");
    assert!(object_exists(&app, &format!("uploads/{}/{}", user.id, fresh.id)).await);
    assert_eq!(status(kept_id.clone()).await, 200, "a ready file outside any chat stays");

    // Idempotent: a second run finds nothing more to do.
    cleanup.run(&app.deps, Default::default()).await.unwrap();
    assert_eq!(status(fresh.id.clone()).await, 200);
    assert_eq!(status(kept_id).await, 200);
}
