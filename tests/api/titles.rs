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

async fn enqueue_title(app: &TestApp, user: &TestUser, chat_id: &str) {
    let job = JobKind::TitleChat {
        user_id: user.id.parse().unwrap(),
        chat_id: chat_id.parse().unwrap(),
        first_message: "How do lifetimes work in Rust?".into(),
    };
    enqueue(&app.deps, job).await.unwrap();
}

#[tokio::test]
async fn the_small_models_tokens_count_for_the_day_and_the_chat() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let today = app.clock.now().date().to_string();
    let chat = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({}))).await.body;
    let id = chat["id"].as_str().unwrap().to_string();
    let reply = json!({"text": "Rust Lifetimes", "model": SMALL_MODEL, "input_tokens": 57, "output_tokens": 5});
    app.script_model(reply.clone()).await;
    enqueue_title(&app, &user, &id).await;
    assert!(title_jobs_done(&app).await);
    assert_eq!(title_of(&app, &user.token, &id).await, "Rust Lifetimes");

    let usage = app.get_auth(&format!("/api/v1/chats/{id}/usage"), &user.token).await;
    assert_eq!(usage.status, 200, "{}", usage.text);
    assert_eq!(usage.body["by_model"], json!({SMALL_MODEL: {"input_tokens": 57, "output_tokens": 5, "requests": 1}}));
    assert_eq!((usage.body["input_tokens"].as_i64(), usage.body["output_tokens"].as_i64()), (Some(57), Some(5)));
    let report = app.get_auth(&format!("/api/v1/usage?from={today}&to={today}"), &user.token).await;
    assert_eq!(report.body["days"], json!([{"date": today, "input_tokens": 57, "output_tokens": 5, "requests": 1}]));
    assert_eq!(report.body["by_model"], json!({SMALL_MODEL: {"input_tokens": 57, "output_tokens": 5, "requests": 1}}));

    // A chat deleted before its title came: the tokens count for the day only, and
    // nothing of the chat comes back.
    let gone = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({}))).await.body;
    let gone = gone["id"].as_str().unwrap().to_string();
    assert_eq!(app.call("DELETE", &format!("/api/v1/chats/{gone}"), Some(&user.token), None).await.status, 204);
    app.script_model(reply).await;
    enqueue_title(&app, &user, &gone).await;
    assert!(title_jobs_done(&app).await);
    let report = app.get_auth(&format!("/api/v1/usage?from={today}&to={today}"), &user.token).await;
    assert_eq!(report.body["by_model"][SMALL_MODEL], json!({"input_tokens": 114, "output_tokens": 10, "requests": 2}));
    assert_eq!(app.get_auth(&format!("/api/v1/chats/{gone}/usage"), &user.token).await.status, 404);
    let partition = app
        .deps
        .dynamo
        .query()
        .table_name(&app.deps.config.table_name)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{}#CHAT#{gone}", user.id)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(partition.count, 0, "no usage item outlives the chat");
}
