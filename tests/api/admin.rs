//! The operator CLI (`myclaude-admin`): its commands, parsed from their words as the
//! binary parses them, run against the emulator and checked through the API.

use myclaude_admin::{command_from, run};
use serde_json::{json, Value};
use system_tests::*;

/// Runs `myclaude-admin <args>`: what it printed, or its error.
async fn admin(app: &TestApp, args: &[&str]) -> Result<String, shared::ApiError> {
    let command = command_from(std::iter::once("myclaude-admin").chain(args.iter().copied())).expect("valid words");
    run(&app.deps, command).await
}

#[tokio::test]
async fn the_operator_creates_verifies_disables_and_enables_accounts() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("password");
    std::fs::write(&secret, format!("{PASSWORD}\n")).unwrap();
    let secret = secret.to_str().unwrap();

    // Created verified, with a password read from a file: the owner signs in.
    let ada = unique_email();
    let out =
        admin(&app, &["create-user", "--email", &ada, "--first-name", "Ada", "--password-file", secret, "--verified"])
            .await
            .unwrap();
    assert!(out.starts_with(&format!("created {ada} (")) && out.ends_with(": verified\n"), "{out}");
    let login = app.login(&ada, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["user"]["first_name"], "Ada");
    let token = login.body["token"].as_str().unwrap().to_string();
    let again = admin(&app, &["create-user", "--email", &ada]).await.unwrap_err();
    assert_eq!((again.status.as_u16(), again.code), (409, "email_taken"));
    let weak = admin(&app, &["create-user", "--email", &unique_email(), "--password-file", "/nonexistent"]).await;
    assert_eq!(weak.unwrap_err().status.as_u16(), 400);

    // Created unverified: no sign-in until verify-user.
    let bob = unique_email();
    admin(&app, &["create-user", "--email", &bob, "--password-file", secret]).await.unwrap();
    assert_eq!(app.login(&bob, PASSWORD).await.body["error"]["code"], "email_not_verified");
    let out = admin(&app, &["verify-user", "--user", &bob]).await.unwrap();
    assert!(out.ends_with(": verified\n"), "{out}");
    assert_eq!(app.login(&bob, PASSWORD).await.status, 200);

    // Disabled: the session it had is revoked and signing in is refused, even with the
    // right password; enabled again, the owner signs in anew.
    let out = admin(&app, &["disable-user", "--user", &ada]).await.unwrap();
    assert!(out.contains(": disabled since "), "{out}");
    assert_eq!(app.get_auth("/api/v1/auth/me", &token).await.status, 401, "the old token is dead");
    let refused = app.login(&ada, PASSWORD).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.body["error"]["code"], "account_disabled");
    assert_eq!(app.login(&ada, "a wrong password!").await.status, 401, "a wrong password still says only that");
    assert_eq!(app.login(&bob, PASSWORD).await.status, 200, "other accounts are untouched");
    admin(&app, &["enable-user", "--user", &ada]).await.unwrap();
    let back = app.login(&ada, PASSWORD).await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(app.get_auth("/api/v1/auth/me", back.body["token"].as_str().unwrap()).await.status, 200);

    let nobody = admin(&app, &["disable-user", "--user", &unique_email()]).await.unwrap_err();
    assert_eq!(nobody.status.as_u16(), 404);
    assert!(command_from(["myclaude-admin", "import", "--user", &ada, "--format", "gemini", "x.json"]).is_err());
}

#[tokio::test]
async fn the_cli_exports_an_account_and_imports_it_and_other_formats_into_another() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let token = ada.token.as_str();
    let prompt =
        app.call("POST", "/api/v1/prompts", Some(token), Some(json!({"name": "Terse", "content": "Be brief."})));
    assert_eq!(prompt.await.status, 201);
    let first = app.chat(token, json!({"text": "Hello there"})).await;
    let chat = event(&first, "start").data["chat_id"].as_str().unwrap().to_string();
    app.chat(token, json!({"chat_id": chat, "text": "And again"})).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ada.json");
    let path = file.to_str().unwrap();
    assert_eq!(admin(&app, &["export", "--user", &ada.email, "--output", path]).await.unwrap(), "");
    let archive: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(archive["format"], "myclaude");
    assert_eq!(archive["chats"][0]["pairs"].as_array().unwrap().len(), 2);
    assert_eq!(archive["prompts"][0]["name"], "Terse");

    // Into Bob's account: the same chat and prompt; a second run adds nothing.
    let bob = app.verified_user().await;
    let out = admin(&app, &["import", "--user", &bob.email, "--format", "myclaude", path]).await.unwrap();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["status"], "complete", "{out}");
    assert_eq!((report["imported"]["chats"].clone(), report["imported"]["prompts"].clone()), (json!(1), json!(1)));
    let chats = app.get_auth("/api/v1/chats", &bob.token).await;
    assert_eq!(chats.body["items"][0]["title"], archive["chats"][0]["title"]);
    let id = chats.body["items"][0]["id"].as_str().unwrap();
    let messages = app.get_auth(&format!("/api/v1/chats/{id}/messages"), &bob.token).await;
    let texts: Vec<&str> = messages.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["assistant_message"]["content"][0]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Stub reply to: Hello there", "Stub reply to: And again"]);
    let again = admin(&app, &["import", "--user", &bob.email, "--format", "myclaude", path]).await.unwrap();
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        (again["imported"]["chats"].clone(), again["imported"]["already_imported"].clone()),
        (json!(0), json!(2))
    );

    // A ChatGPT export, and a file that is not one.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/import/chatgpt/conversations.json");
    let out = admin(&app, &["import", "--user", &bob.email, "--format", "chatgpt", fixture.to_str().unwrap()]).await;
    let report: Value = serde_json::from_str(&out.unwrap()).unwrap();
    assert_eq!((report["imported"]["chats"].clone(), report["imported"]["messages"].clone()), (json!(2), json!(6)));
    let failed = admin(&app, &["import", "--user", &bob.email, "--format", "chatgpt", path]).await.unwrap_err();
    assert!(failed.message.contains("could not be imported"), "{}", failed.message);
    assert_eq!(app.get_auth("/api/v1/chats", &bob.token).await.body["items"].as_array().unwrap().len(), 3);
}
