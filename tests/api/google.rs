//! Sign in with Google, against a local stand-in for Google's endpoints.

use serde_json::json;
use std::time::Duration;
use system_tests::google::profile;
use system_tests::*;

const ANOTHER_APP: &str = "another-app.apps.googleusercontent.com";

#[tokio::test]
async fn a_new_google_user_gets_a_verified_account() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let google = profile(&email);
    let token = app.google.access_token(google.clone());
    let first = app.post("/api/v1/auth/google", json!({"access_token": token})).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["created"], true);
    assert_eq!(first.body["user"]["email"], email.as_str());
    assert_eq!(first.body["user"]["email_verified"], true);
    assert_eq!(first.body["user"]["first_name"], "Grace");
    let access = first.body["token"].as_str().unwrap();
    assert_eq!(app.get_auth("/api/v1/auth/me", access).await.body["email"], email.as_str());

    // Again, now with an id_token: the same account.
    let id_token = app.google.id_token(google, json!({}));
    let second = app.post("/api/v1/auth/google", json!({"id_token": id_token})).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.body["created"], false);
    assert_eq!(second.body["user"]["id"], first.body["user"]["id"]);
    // No password was set: password login does not work for this account.
    assert_eq!(app.login(&email, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn an_existing_verified_account_is_linked() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let google = profile(&user.email);
    let id_token = app.google.id_token(google.clone(), json!({}));
    let reply = app.post("/api/v1/auth/google", json!({"id_token": id_token})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["created"], false);
    assert_eq!(reply.body["user"]["id"], user.id.as_str());
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200, "the password still works");

    // The owner is told, once: signing in again with Google links nothing new.
    let notice = wait_for_mail(&user.email, "Google sign-in was linked", 1).await;
    assert!(notice[0].body.contains(&user.email), "{}", notice[0].body);
    assert!(notice[0].body.contains("reset-password"), "{}", notice[0].body);
    let again = app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(google)})).await;
    assert_eq!((again.status, &again.body["user"]["id"]), (200, &json!(user.id)));
    let extra = eventually(Duration::from_secs(2), || async {
        (mails_to(&user.email, "Google sign-in was linked").await.len() > 1).then_some(())
    })
    .await;
    assert!(extra.is_none(), "an account already linked gets no second notice");
}

#[tokio::test]
async fn tokens_issued_to_another_app_are_refused() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let google = profile(&email);

    // An access token some other app obtained from this Google user: tokeninfo names
    // that app, so it signs nobody in and creates nothing.
    let foreign = app.google.access_token_for(ANOTHER_APP, google.clone());
    let reply = app.post("/api/v1/auth/google", json!({"access_token": foreign})).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], "invalid_google_token");
    assert!(reply.body.get("token").is_none());
    assert!(
        shared::store::credentials::get(&app.deps.table, &email).await.unwrap().is_none(),
        "no account was created"
    );
    assert!(shared::store::credentials::google_link(&app.deps.table, google["sub"].as_str().unwrap())
        .await
        .unwrap()
        .is_none());

    // The same holds for an id_token whose authorized party is another app.
    let id_token = app.google.id_token(google.clone(), json!({"azp": ANOTHER_APP}));
    let reply = app.post("/api/v1/auth/google", json!({"id_token": id_token})).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], "invalid_google_token");
    let several = json!({"aud": [system_tests::google::CLIENT_ID, ANOTHER_APP], "azp": null});
    let reply =
        app.post("/api/v1/auth/google", json!({"id_token": app.google.id_token(google.clone(), several)})).await;
    assert_eq!(reply.status, 401, "several audiences, none authorized: {}", reply.text);

    // An existing account is not signed in to (nor linked) with a foreign token either.
    let user = app.verified_user().await;
    let foreign = app.google.access_token_for(ANOTHER_APP, profile(&user.email));
    let reply = app.post("/api/v1/auth/google", json!({"access_token": foreign})).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.body["error"]["code"], "invalid_google_token");
    let sessions = app.get_auth("/api/v1/auth/sessions", &user.token).await;
    assert_eq!(sessions.body["items"].as_array().unwrap().len(), 1, "no session was started: {}", sessions.text);

    // Tokens issued to our client id work.
    let own = app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(google.clone())})).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["created"], true, "the refused attempts created nothing");
    assert_eq!(own.body["user"]["email"], email.as_str());
}

#[tokio::test]
async fn names_from_google_that_names_may_not_hold_are_left_empty() {
    let app = TestApp::spawn().await;
    let mut google = profile(&unique_email());
    google["given_name"] = json!("Grace\u{202E}nosaj");
    google["family_name"] = json!("see www.example.com");
    let reply = app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(google)})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["user"]["first_name"], "");
    assert_eq!(reply.body["user"]["last_name"], "");
}

#[tokio::test]
async fn an_existing_unverified_account_is_never_linked() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    let token = app.google.access_token(profile(&email));
    let reply = app.post("/api/v1/auth/google", json!({"access_token": token})).await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.body["error"]["code"], "account_not_verified");
    assert_eq!(app.login(&email, PASSWORD).await.status, 403, "still unverified, nothing linked");
}

#[tokio::test]
async fn bad_google_tokens_are_rejected() {
    let app = TestApp::spawn().await;
    let google = profile(&unique_email());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let cases = [
        (
            "wrong audience",
            app.google.id_token(google.clone(), json!({"aud": "someone-else.apps.googleusercontent.com"})),
        ),
        ("expired", app.google.id_token(google.clone(), json!({"exp": now - 10, "iat": now - 3610}))),
        ("wrong issuer", app.google.id_token(google.clone(), json!({"iss": "https://evil.example.com"}))),
        ("tampered", {
            let mut t = app.google.id_token(google.clone(), json!({}));
            t.insert_str(t.rfind('.').unwrap() + 1, "AAAA");
            t
        }),
        ("garbage", "not-a-jwt".to_string()),
    ];
    for (what, id_token) in cases {
        let reply = app.post("/api/v1/auth/google", json!({"id_token": id_token})).await;
        assert_eq!(reply.status, 401, "{what}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_google_token", "{what}");
    }
    let unknown = app.post("/api/v1/auth/google", json!({"access_token": "ya29.not-issued"})).await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.body["error"]["code"], "invalid_google_token");

    let mut unverified = google.clone();
    unverified["email_verified"] = json!(false);
    let reply = app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(unverified)})).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body["error"]["code"], "google_email_not_verified");

    let both = app.post("/api/v1/auth/google", json!({"access_token": "a", "id_token": "b"})).await;
    assert_eq!(both.status, 400);
    let neither = app.post("/api/v1/auth/google", json!({})).await;
    assert_eq!(neither.status, 400);
}

#[tokio::test]
async fn tokens_google_could_not_have_issued_are_refused() {
    // Control characters cannot even be sent to Google in a header: this was a 503.
    let app = TestApp::spawn().await;
    for token in ["ya29.\u{1}x", "ya29.a\nb", "ya29 spaced", "ya29.ü"] {
        let reply = app.post("/api/v1/auth/google", json!({"access_token": token})).await;
        assert_eq!(reply.status, 401, "{token:?}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_google_token", "{token:?}");
    }
}

#[tokio::test]
async fn google_out_of_reach_is_a_503_that_creates_nothing() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(move |deps| {
            deps.config.google_userinfo_url = format!("http://{closed}/userinfo");
            deps.config.google_tokeninfo_url = format!("http://{closed}/tokeninfo");
            deps.config.google_jwks_url = format!("http://{closed}/certs");
        })),
        ..AppOptions::default()
    })
    .await;
    let email = unique_email();
    let google = profile(&email);
    let tokens = [
        json!({"access_token": app.google.access_token(google.clone())}),
        json!({"id_token": app.google.id_token(google, json!({}))}),
    ];
    for token in tokens {
        let reply = app.post("/api/v1/auth/google", token.clone()).await;
        assert_eq!(reply.status, 503, "{token}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "service_unavailable", "{token}");
        assert!(reply.body.get("token").is_none());
    }
    assert!(
        shared::store::credentials::get(&app.deps.table, &email).await.unwrap().is_none(),
        "no account was created"
    );
}
