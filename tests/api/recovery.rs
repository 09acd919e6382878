//! Password reset and change.

use serde_json::json;
use system_tests::*;

const NEW_PASSWORD: &str = "a completely new passphrase";

async fn reset_token(email: &str, count: usize) -> String {
    let mails = wait_for_mail(email, "Reset your myclaude password", count).await;
    token_from(&mails.last().unwrap().body)
}

#[tokio::test]
async fn reset_by_email_revokes_sessions_and_is_single_use() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let requested = app.post("/api/v1/auth/password/reset", json!({"email": user.email})).await;
    let unknown = app.post("/api/v1/auth/password/reset", json!({"email": unique_email()})).await;
    assert_eq!(requested.status, 202);
    assert_eq!((unknown.status, &unknown.text), (requested.status, &requested.text), "no account enumeration");
    let token = reset_token(&user.email, 1).await;

    // A weak password is refused without using up the link.
    let weak = app.post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": "123"})).await;
    assert_eq!(weak.status, 400);
    assert!(weak.body["error"]["fields"]["new_password"].is_array());

    let confirmed =
        app.post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": NEW_PASSWORD})).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 401, "sessions revoked");
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 401);
    assert_eq!(app.login(&user.email, NEW_PASSWORD).await.status, 200);
    wait_for_mail(&user.email, "password was changed", 1).await;

    let again = app
        .post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": "yet another passphrase"}))
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn reset_links_expire_after_an_hour() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.post("/api/v1/auth/password/reset", json!({"email": user.email})).await;
    let token = reset_token(&user.email, 1).await;
    app.clock.advance(time::Duration::minutes(61));
    let late =
        app.post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": NEW_PASSWORD})).await;
    assert_eq!(late.status, 400);
    assert_eq!(late.body["error"]["code"], "invalid_token");
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200, "password unchanged");
}

#[tokio::test]
async fn a_password_change_kills_pending_reset_links() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.post("/api/v1/auth/password/reset", json!({"email": user.email})).await;
    let token = reset_token(&user.email, 1).await;
    let changed = app
        .call(
            "POST",
            "/api/v1/auth/password/change",
            Some(&user.token),
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let stale = app
        .post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": "an attacker's choice!"}))
        .await;
    assert_eq!(stale.status, 400);
    assert_eq!(stale.body["error"]["code"], "invalid_token");
    assert_eq!(app.login(&user.email, NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn change_revokes_other_sessions_but_not_the_new_one() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let other = app.login(&user.email, PASSWORD).await.body["token"].as_str().unwrap().to_string();
    let change = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        let token = user.token.clone();
        let app = &app;
        async move { app.call("POST", "/api/v1/auth/password/change", Some(&token), Some(body)).await }
    };

    let wrong = change("not my password at all", NEW_PASSWORD).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body["error"]["fields"]["current_password"].is_array());
    let weak = change(PASSWORD, "short").await;
    assert_eq!(weak.status, 400);
    assert!(weak.body["error"]["fields"]["new_password"].is_array());
    assert_eq!(app.get_auth("/api/v1/auth/me", &other).await.status, 200, "failed changes revoke nothing");

    let changed = change(PASSWORD, NEW_PASSWORD).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let fresh = changed.body["token"].as_str().unwrap();
    assert!(changed.body["expires_at"].is_string());
    assert_eq!(app.get_auth("/api/v1/auth/me", fresh).await.status, 200, "the new token works");
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 401, "the old token is revoked");
    assert_eq!(app.get_auth("/api/v1/auth/me", &other).await.status, 401, "other sessions are revoked");
    assert_eq!(app.login(&user.email, NEW_PASSWORD).await.status, 200);
    let notice = wait_for_mail(&user.email, "password was changed", 1).await;
    assert!(notice[0].body.contains("every other session"));
}

#[tokio::test]
async fn a_reset_clears_the_lockout() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    for _ in 0..5 {
        app.login(&user.email, "wrong password, again").await;
    }
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 423);
    app.post("/api/v1/auth/password/reset", json!({"email": user.email})).await;
    let token = reset_token(&user.email, 1).await;
    let confirmed =
        app.post("/api/v1/auth/password/reset/confirm", json!({"token": token, "new_password": NEW_PASSWORD})).await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(app.login(&user.email, NEW_PASSWORD).await.status, 200, "unlocked at once");
}

#[tokio::test]
async fn wrong_current_passwords_are_limited_per_user_across_change_and_delete() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let bystander = app.verified_user().await;
    app.start_of_window(15 * 60);
    let change = |token: &str, current: &str| {
        let body = json!({"current_password": current, "new_password": NEW_PASSWORD});
        let (app, token) = (&app, token.to_string());
        async move { app.call("POST", "/api/v1/auth/password/change", Some(&token), Some(body)).await }
    };
    let delete = |password: &str| {
        let body = json!({"password": password});
        let (app, token) = (&app, user.token.clone());
        async move { app.call("DELETE", "/api/v1/auth/me", Some(&token), Some(body)).await }
    };

    // Five wrong passwords, on both routes, are answered as wrong passwords.
    for attempt in 0..5 {
        let wrong = format!("not my password, try {attempt}");
        let (reply, field) = if attempt % 2 == 0 {
            (change(&user.token, &wrong).await, "current_password")
        } else {
            (delete(&wrong).await, "password")
        };
        assert_eq!(reply.status, 400, "attempt {attempt}: {}", reply.text);
        assert!(reply.body["error"]["fields"][field].is_array(), "attempt {attempt}: {}", reply.text);
    }

    // The sixth is refused before any password is looked at: even the right one.
    for limited in [change(&user.token, PASSWORD).await, delete(PASSWORD).await] {
        assert_eq!(limited.status, 429, "{}", limited.text);
        assert_eq!(limited.body["error"]["code"], "rate_limited");
        let retry_after: i64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15 * 60).contains(&retry_after), "Retry-After {retry_after}");
    }

    // Nothing changed: the account, its session and its password are intact.
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200);
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    assert!(mails_to(&user.email, "password was changed").await.is_empty());
    // It is counted per user: someone else's change goes through.
    assert_eq!(change(&bystander.token, PASSWORD).await.status, 200);

    // Once the window is over, the right password works again.
    app.clock.advance(time::Duration::minutes(15));
    let changed = change(&user.token, PASSWORD).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
}
