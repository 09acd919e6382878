//! Lockout and rate limits.

use serde_json::json;
use system_tests::*;

#[tokio::test]
async fn five_wrong_passwords_lock_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    for attempt in 1..=4 {
        let reply = app.login(&user.email, "wrong password here").await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    let fifth = app.login(&user.email, "wrong password here").await;
    assert_eq!(fifth.status, 423);
    assert_eq!(fifth.body["error"]["code"], "account_locked");
    let retry: u64 = fifth.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry));

    // Locked: even the right password is refused, so it cannot be probed.
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 423);
    app.clock.advance(time::Duration::minutes(14));
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 423);
    app.clock.advance(time::Duration::minutes(2));
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200, "the lock expired");
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    for _ in 0..4 {
        assert_eq!(app.login(&user.email, "wrong password here").await.status, 401);
    }
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    for _ in 0..4 {
        assert_eq!(app.login(&user.email, "wrong password here").await.status, 401, "counting starts over");
    }
}

#[tokio::test]
async fn unknown_emails_lock_the_same_way() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    for _ in 0..4 {
        assert_eq!(app.login(&email, "wrong password here").await.status, 401);
    }
    assert_eq!(app.login(&email, "wrong password here").await.status, 423, "no account enumeration by lockout");
}

fn retry_after(reply: &Reply) -> u64 {
    reply.headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn login_is_limited_to_ten_a_minute_per_ip() {
    let app = TestApp::spawn().await;
    app.start_of_window(60);
    for attempt in 1..=10 {
        assert_eq!(app.login(&unique_email(), "some password").await.status, 401, "attempt {attempt}");
    }
    let limited = app.login(&unique_email(), "some password").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["error"]["code"], "rate_limited");
    assert!((1..=60).contains(&retry_after(&limited)));
    app.clock.advance(time::Duration::seconds(61));
    assert_eq!(app.login(&unique_email(), "some password").await.status, 401, "a new window");
}

#[tokio::test]
async fn login_is_limited_to_ten_a_minute_per_email() {
    let mut app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.start_of_window(60);
    for attempt in 1..=10 {
        app.new_ip();
        assert_eq!(app.login(&user.email, PASSWORD).await.status, 200, "attempt {attempt}");
    }
    app.new_ip();
    let limited = app.login(&user.email, PASSWORD).await;
    assert_eq!(limited.status, 429);
    assert!(retry_after(&limited) <= 60);
}

#[tokio::test]
async fn register_is_limited_to_five_an_hour_per_ip() {
    let app = TestApp::spawn().await;
    app.start_of_window(3600);
    for attempt in 1..=5 {
        assert_eq!(app.register(&unique_email(), PASSWORD).await.status, 201, "attempt {attempt}");
    }
    let limited = app.register(&unique_email(), PASSWORD).await;
    assert_eq!(limited.status, 429);
    assert!((1..=3600).contains(&retry_after(&limited)));
}

async fn email_and_ip_limits(path: &str) {
    let mut app = TestApp::spawn().await;
    app.start_of_window(3600);
    // Three an hour per email, whichever IP asks.
    let email = unique_email();
    for attempt in 1..=3 {
        app.new_ip();
        assert_eq!(app.post(path, json!({"email": email})).await.status, 202, "{path} attempt {attempt}");
    }
    app.new_ip();
    let limited = app.post(path, json!({"email": email})).await;
    assert_eq!(limited.status, 429, "{path}: 4th for one email");
    assert!(retry_after(&limited) <= 3600);
    // Ten an hour per IP, whichever emails.
    app.new_ip();
    for attempt in 1..=10 {
        assert_eq!(app.post(path, json!({"email": unique_email()})).await.status, 202, "{path} attempt {attempt}");
    }
    assert_eq!(app.post(path, json!({"email": unique_email()})).await.status, 429, "{path}: 11th from one IP");
}

#[tokio::test]
async fn password_reset_is_limited_per_email_and_per_ip() {
    email_and_ip_limits("/api/v1/auth/password/reset").await;
}

#[tokio::test]
async fn resend_verification_is_limited_per_email_and_per_ip() {
    email_and_ip_limits("/api/v1/auth/resend-verification").await;
}
