//! The caller's sessions: listing and revoking one.

use serde_json::{json, Value};
use system_tests::*;

#[tokio::test]
async fn sessions_are_listed_and_revoked_one_by_one() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let phone = app
        .post(
            "/api/v1/auth/login",
            json!({"email": user.email, "password": PASSWORD, "device_info": "Safari on iPhone"}),
        )
        .await;
    let phone_token = phone.body["token"].as_str().unwrap().to_string();

    let list = app.get_auth("/api/v1/auth/sessions", &user.token).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(list.body["next_cursor"].is_null());
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    let other = items.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["device_info"], "Safari on iPhone");
    assert_eq!(other["ip"], app.ip.to_string());
    for field in ["id", "created_at", "last_used_at"] {
        assert!(other[field].is_string(), "{field}");
    }

    let other_id = other["id"].as_str().unwrap();
    let revoked = app.call("DELETE", &format!("/api/v1/auth/sessions/{other_id}"), Some(&user.token), None).await;
    assert_eq!(revoked.status, 204);
    assert_eq!(app.get_auth("/api/v1/auth/me", &phone_token).await.status, 401);
    assert_eq!(app.get_auth("/api/v1/auth/me", &user.token).await.status, 200);
    assert_eq!(app.get_auth("/api/v1/auth/sessions", &user.token).await.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_users_session_is_not_found() {
    let app = TestApp::spawn().await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let bobs = app.get_auth("/api/v1/auth/sessions", &bob.token).await;
    let bob_session = bobs.body["items"][0]["id"].as_str().unwrap().to_string();
    let reply = app.call("DELETE", &format!("/api/v1/auth/sessions/{bob_session}"), Some(&ada.token), None).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["error"]["code"], "not_found");
    assert_eq!(app.get_auth("/api/v1/auth/me", &bob.token).await.status, 200, "Bob is still signed in");
    let garbage = app.call("DELETE", "/api/v1/auth/sessions/not-a-uuid", Some(&ada.token), None).await;
    assert_eq!(garbage.status, 404);
}
