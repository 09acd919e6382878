use serde_json::json;
use std::time::Duration;
use system_tests::*;

#[tokio::test]
async fn sign_up_to_sign_out() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let registered = app.register(&email, PASSWORD).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    assert!(registered.body["message"].is_string());

    // Not verified yet: the right password is answered with 403.
    let early = app.login(&email, PASSWORD).await;
    assert_eq!(early.status, 403);
    assert_eq!(early.body["error"]["code"], "email_not_verified");

    let token = app.verification_token(&email).await;
    let verified = app.post("/api/v1/auth/verify-email", json!({"token": token})).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(verified.body["user"]["email"], email.as_str());
    assert_eq!(verified.body["user"]["email_verified"], true);

    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let access = login.body["token"].as_str().unwrap().to_string();
    assert!(login.body["expires_at"].is_string());
    assert!(login.body["user"]["last_login"].is_string());

    let me = app.get_auth("/api/v1/auth/me", &access).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], email.as_str());
    for field in ["id", "username", "first_name", "last_name", "avatar_url", "date_joined", "last_login"] {
        assert!(me.body.get(field).is_some(), "user has {field}");
    }

    let logout = app.call("POST", "/api/v1/auth/logout", Some(&access), None).await;
    assert_eq!(logout.status, 204);
    let after = app.get_auth("/api/v1/auth/me", &access).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.body["error"]["code"], "not_authenticated");
}

#[tokio::test]
async fn duplicate_registration_looks_like_a_new_one_and_warns_the_owner() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let first = app.register(&email, PASSWORD).await;
    let second = app.register(&email, "another fine passphrase").await;
    assert_eq!(first.status, 201);
    assert_eq!((second.status, &second.text), (first.status, &first.text));
    // Differently-cased address is the same account.
    let third = app.register(&email.to_uppercase(), PASSWORD).await;
    assert_eq!((third.status, &third.text), (first.status, &first.text));

    let notices = wait_for_mail(&email, "Someone tried to sign up", 2).await;
    assert!(notices[0].body.contains("already have an account"));
    assert_eq!(mails_to(&email, "Verify your email").await.len(), 1, "only the first registration verifies");
}

#[tokio::test]
async fn usernames_come_from_the_email_with_a_suffix_when_taken() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let (local_part, _) = email.split_once('@').unwrap();
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    let verified = app.post("/api/v1/auth/verify-email", json!({"token": app.verification_token(&email).await})).await;
    assert_eq!(verified.body["user"]["username"], local_part, "{}", verified.text);

    // Another address with the same local part gets that username with a suffix.
    let namesake = format!("{local_part}@another.example.com");
    assert_eq!(app.register(&namesake, PASSWORD).await.status, 201);
    let verified =
        app.post("/api/v1/auth/verify-email", json!({"token": app.verification_token(&namesake).await})).await;
    let username = verified.body["user"]["username"].as_str().unwrap();
    assert!(username.starts_with(local_part) && username.len() == local_part.len() + 4, "{username}");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_are_indistinguishable() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let wrong_password = app.login(&user.email, "not the password at all").await;
    let unknown = app.login(&unique_email(), "not the password at all").await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(wrong_password.body["error"]["code"], "invalid_credentials");
    assert_eq!((unknown.status, &unknown.text), (wrong_password.status, &wrong_password.text));
}

#[tokio::test]
async fn weak_passwords_are_refused_with_field_errors() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    for weak in ["short", "12345678901234", "password1234", &email] {
        let reply = app.register(&email, weak).await;
        assert_eq!(reply.status, 400, "{weak}");
        assert_eq!(reply.body["error"]["code"], "invalid_request");
        assert!(reply.body["error"]["fields"]["password"].as_array().is_some_and(|p| !p.is_empty()), "{weak}");
    }
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status, 401, "no account was created");
}

#[tokio::test]
async fn verification_tokens_are_single_use_and_expire() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    app.register(&email, PASSWORD).await;
    let token = app.verification_token(&email).await;
    assert_eq!(app.post("/api/v1/auth/verify-email", json!({"token": token})).await.status, 200);
    let again = app.post("/api/v1/auth/verify-email", json!({"token": token})).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error"]["code"], "invalid_token");

    let late = unique_email();
    app.register(&late, PASSWORD).await;
    let token = app.verification_token(&late).await;
    app.clock.advance(time::Duration::hours(25));
    let expired = app.post("/api/v1/auth/verify-email", json!({"token": token})).await;
    assert_eq!(expired.status, 400);
    assert_eq!(expired.body["error"]["code"], "invalid_token");
    assert_eq!(app.login(&late, PASSWORD).await.status, 403, "still unverified");

    let garbage = app.post("/api/v1/auth/verify-email", json!({"token": "not-a-token"})).await;
    assert_eq!(garbage.body["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn resend_verification_answers_the_same_for_everyone() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    app.register(&email, PASSWORD).await;
    wait_for_mail(&email, "Verify your email", 1).await;
    let known = app.post("/api/v1/auth/resend-verification", json!({"email": email})).await;
    let unknown = app.post("/api/v1/auth/resend-verification", json!({"email": unique_email()})).await;
    assert_eq!(known.status, 202);
    assert_eq!((unknown.status, &unknown.text), (known.status, &known.text));
    let mails = wait_for_mail(&email, "Verify your email", 2).await;
    // The newest link works.
    let token = token_from(&mails.last().unwrap().body);
    assert_eq!(app.post("/api/v1/auth/verify-email", json!({"token": token})).await.status, 200);
}

#[tokio::test]
async fn logout_all_revokes_every_token() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let second = app.login(&user.email, PASSWORD).await.body["token"].as_str().unwrap().to_string();
    assert_eq!(app.get_auth("/api/v1/auth/me", &second).await.status, 200);
    let reply = app.call("POST", "/api/v1/auth/logout-all", Some(&user.token), None).await;
    assert_eq!(reply.status, 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 401);
    assert_eq!(app.get_auth("/api/v1/auth/me", &second).await.status, 401);
    // A new login still works.
    let fresh = app.login(&user.email, PASSWORD).await.body["token"].as_str().unwrap().to_string();
    assert_eq!(app.get_auth("/api/v1/auth/me", &fresh).await.status, 200);
}

fn forge(claims: serde_json::Value, secret: &str, alg: jsonwebtoken::Algorithm) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    shared::auth::jwt_crypto::install();
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, &key).unwrap()
}

#[tokio::test]
async fn bad_tokens_are_rejected() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&user.token).unwrap().claims;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let with = |key: &str, value: serde_json::Value| {
        let mut c = claims.clone();
        c[key] = value;
        c
    };
    let b64 = |v: &serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let mut tampered = user.token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let alg_none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    let cases = [
        ("tampered signature", tampered),
        ("expired", forge(with("exp", json!(now - 60)), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256)),
        ("wrong audience", forge(with("aud", json!("another-api")), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256)),
        ("wrong issuer", forge(with("iss", json!("someone")), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256)),
        ("wrong key", forge(claims.clone(), "another-secret-another-secret-12345", jsonwebtoken::Algorithm::HS256)),
        ("HS512", forge(claims.clone(), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS512)),
        ("alg none", alg_none),
        (
            "unknown session",
            forge(with("sid", json!(uuid::Uuid::now_v7())), TEST_JWT_SECRET, jsonwebtoken::Algorithm::HS256),
        ),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in cases {
        let reply = app.get_auth("/api/v1/auth/me", &token).await;
        assert_eq!(reply.status, 401, "{what}");
        assert_eq!(reply.body["error"]["code"], "not_authenticated", "{what}");
    }
    // The genuine token still works, through both schemes.
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200);
    let knox = app
        .send(app.http.get(app.url("/api/v1/auth/me")).header("Authorization", format!("Token {}", user.token)))
        .await;
    assert_eq!(knox.status, 200);
    assert_eq!(app.send(app.http.get(app.url("/api/v1/auth/me"))).await.status, 401);
}

#[tokio::test]
async fn sessions_expire_with_the_clock() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.clock.advance(time::Duration::days(8));
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 401);
}

#[tokio::test]
async fn profile_updates_and_username_uniqueness() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let name = format!("ada_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let patch = |token: &str, body| {
        let token = token.to_string();
        let app = &app;
        async move { app.call("PATCH", "/api/v1/auth/me", Some(&token), Some(body)).await }
    };
    let updated = patch(&ada.token, json!({"first_name": "Ada", "last_name": "Lovelace", "username": name})).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["first_name"], "Ada");
    assert_eq!(updated.body["username"], name.as_str());
    assert_eq!(app.get_auth("/api/v1/auth/me", &ada.token).await.body["last_name"], "Lovelace");

    let taken = patch(&bob.token, json!({"username": name.to_uppercase()})).await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.body["error"]["code"], "username_taken");

    let bad = patch(&bob.token, json!({"username": "has spaces"})).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"]["fields"]["username"].is_array());

    // Ada renames; her old name is free again.
    let renamed = patch(&ada.token, json!({"username": format!("{name}_2")})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(patch(&bob.token, json!({"username": name})).await.status, 200);
}

#[tokio::test]
async fn memory_is_on_by_default_and_the_user_can_turn_it_off() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let me = app.get_auth("/api/v1/auth/me", &user.token).await;
    assert_eq!(me.body["memory_enabled"], true, "{}", me.text);
    let patch = |body| app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(body));

    let off = patch(json!({"memory_enabled": false})).await;
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(off.body["memory_enabled"], false);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.body["memory_enabled"], false);

    // Absent or null leaves it as it is; other changes keep it.
    let renamed = patch(json!({"first_name": "Ada", "memory_enabled": null})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["memory_enabled"], false);
    assert_eq!(patch(json!({"last_name": "Lovelace"})).await.body["memory_enabled"], false);

    let bad = patch(json!({"memory_enabled": "no"})).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.body["memory_enabled"], false);

    let on = patch(json!({"memory_enabled": true})).await;
    assert_eq!(on.body["memory_enabled"], true);
    // The login answer carries it too.
    assert_eq!(app.login(&user.email, PASSWORD).await.body["user"]["memory_enabled"], true);
}

#[tokio::test]
async fn a_login_from_a_new_ip_sends_a_notice_once() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    // The first login (in verified_user) came from this IP and sent nothing.
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    // Forget the known address, as if 90 days had passed.
    app.clock.advance(time::Duration::days(91));
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    let notices = wait_for_mail(&user.email, "New sign-in", 1).await;
    assert!(notices[0].body.contains(&app.ip.to_string()));
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    // Give any wrongly queued notice time to arrive, polling the whole window.
    let extra = eventually(Duration::from_secs(2), || async {
        (mails_to(&user.email, "New sign-in").await.len() > 1).then_some(())
    })
    .await;
    assert!(extra.is_none(), "a known IP sends no notice");
}

#[tokio::test]
async fn deleting_the_account_removes_it_and_frees_its_email_username_and_google_link() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let google = system_tests::google::profile(&user.email);
    let linked =
        app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(google.clone())})).await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    let username = app.get_auth("/api/v1/auth/me", &user.token).await.body["username"].as_str().unwrap().to_string();
    let google_token = linked.body["token"].as_str().unwrap().to_string();

    let wrong =
        app.call("DELETE", "/api/v1/auth/me", Some(&user.token), Some(json!({"password": "not it at all"}))).await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body["error"]["fields"]["password"].is_array());
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200, "nothing deleted");

    let deleted = app.call("DELETE", "/api/v1/auth/me", Some(&user.token), Some(json!({"password": PASSWORD}))).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 401);
    assert_eq!(app.get_auth("/api/v1/auth/me", &google_token).await.status, 401, "every session is gone");
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 401);

    // The username is free for someone else, and the email and Google identity make a new account.
    let other = app.verified_user().await;
    let taken = app.call("PATCH", "/api/v1/auth/me", Some(&other.token), Some(json!({"username": username}))).await;
    assert_eq!(taken.status, 200, "{}", taken.text);
    let again = app.post("/api/v1/auth/google", json!({"access_token": app.google.access_token(google)})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["created"], true);
    assert_ne!(again.body["user"]["id"], user.id.as_str());
}

#[tokio::test]
async fn names_with_links_or_invisible_controls_are_refused() {
    let mut app = TestApp::spawn().await;
    let email = unique_email();
    let register = |first: &str, last: &str| {
        let body = json!({"email": email, "password": PASSWORD, "first_name": first, "last_name": last});
        let app = &app;
        async move { app.post("/api/v1/auth/register", body).await }
    };
    for (first, last, field) in [
        ("Visit www.example.com", "Lovelace", "first_name"),
        ("Ada", "https://evil.example/login", "last_name"),
        ("Ada\u{202E}moc.live", "Lovelace", "first_name"),
        ("Ada", "Love\u{200B}lace", "last_name"),
        ("\u{2066}Ada\u{2069}", "Lovelace", "first_name"),
    ] {
        let reply = register(first, last).await;
        assert_eq!(reply.status, 400, "{first:?} {last:?}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request");
        assert!(reply.body["error"]["fields"][field].is_array(), "{first:?} {last:?}: {}", reply.text);
    }
    assert_eq!(app.login(&email, PASSWORD).await.status, 401, "no account was created");

    app.new_ip(); // under the limit of 5 registrations an hour per address
    let user = app.verified_user().await;
    let patch = |body| app.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(body));
    assert_eq!(patch(json!({"first_name": "Ada", "last_name": "Lovelace"})).await.status, 200);
    for (body, field) in [
        (json!({"first_name": "ftp://files.example"}), "first_name"),
        (json!({"last_name": "WWW.example.com"}), "last_name"),
        (json!({"first_name": "\u{200F}Ada"}), "first_name"),
        (json!({"last_name": "Love\u{FEFF}lace"}), "last_name"),
    ] {
        let reply = patch(body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request");
        assert!(reply.body["error"]["fields"][field].is_array(), "{body}: {}", reply.text);
    }
    let me = app.get_auth("/api/v1/auth/me", &user.token).await;
    assert_eq!((me.body["first_name"].as_str(), me.body["last_name"].as_str()), (Some("Ada"), Some("Lovelace")));
}
