//! Chat titles from the small model, through the title queue and worker.

use serde_json::json;
use shared::queue::{enqueue, JobKind};
use std::time::Duration;
use system_tests::*;

async fn title_of(app: &TestApp, token: &str, id: &str) -> String {
    app.get_auth(&format!("/api/v1/chats/{id}"), token).await.body["title"].as_str().unwrap().to_string()
}

/// Waits until the title queue is empty: every title job ran to its end.
pub(crate) async fn title_jobs_done(app: &TestApp) -> bool {
    let drained = eventually(Duration::from_secs(20), || async {
        let attrs = app
            .deps
            .sqs
            .get_queue_attributes()
            .queue_url(&app.deps.config.title_queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        attrs.values().all(|v| v == "0").then_some(())
    })
    .await;
    drained.is_some()
}

#[tokio::test]
async fn a_new_chat_gets_a_title_from_the_small_model() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let chat = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({}))).await.body;
    let id = chat["id"].as_str().unwrap().to_string();
    app.script_model(json!({"text": "\"Rust Lifetimes Explained.\"", "model": SMALL_MODEL})).await;
    let job = JobKind::TitleChat {
        user_id: user.id.parse().unwrap(),
        chat_id: id.parse().unwrap(),
        first_message: "How do lifetimes work in Rust?".into(),
    };
    enqueue(&app.deps, job).await.unwrap();
    let titled = eventually(Duration::from_secs(20), || async {
        let title = title_of(&app, &user.token, &id).await;
        (title != "New chat").then_some(title)
    })
    .await;
    assert_eq!(titled.as_deref(), Some("Rust Lifetimes Explained"));
    let log = app.model_requests().await;
    assert_eq!(log[0]["model_id"], SMALL_MODEL);
    assert!(log[0]["messages"][0]["text"].as_str().unwrap().contains("How do lifetimes work"));
    assert_eq!(log[0]["max_tokens"], 30);
}

#[tokio::test]
async fn a_title_the_user_chose_is_never_overwritten() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let chat = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"title": "My own title"}))).await.body;
    let id = chat["id"].as_str().unwrap().to_string();
    app.script_model(json!({"text": "Generated Title", "model": SMALL_MODEL})).await;
    let job = JobKind::TitleChat {
        user_id: user.id.parse().unwrap(),
        chat_id: id.parse().unwrap(),
        first_message: "hello".into(),
    };
    enqueue(&app.deps, job).await.unwrap();
    // Wait until the worker has asked the model, then until its job is done.
    let asked =
        eventually(Duration::from_secs(20), || async { (!app.model_requests().await.is_empty()).then_some(()) }).await;
    assert!(asked.is_some(), "the worker ran");
    assert!(title_jobs_done(&app).await, "the job finished (it is not retried)");
    assert_eq!(title_of(&app, &user.token, &id).await, "My own title");
}
