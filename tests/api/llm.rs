//! The model client (shared::llm) against the model stub, through the real SDK:
//! streaming, fallback before the first token, no switch after it.

use serde_json::json;
use shared::llm::{self, Prompt, StreamEvent, Usage};
use system_tests::*;

fn prompt(text: &str) -> Prompt {
    Prompt {
        system: vec!["You are a coding assistant.".into(), "The user's own instructions.".into()],
        messages: vec![Prompt::user_text(text)],
        max_output_tokens: Some(256),
    }
}

async fn collect(stream: &mut llm::ModelStream) -> (String, Vec<StreamEvent>) {
    let mut text = String::new();
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        if let StreamEvent::Delta(delta) = &event {
            text.push_str(delta);
        }
        events.push(event);
    }
    (text, events)
}

#[tokio::test]
async fn the_primary_model_streams_and_reports_usage() {
    let app = TestApp::spawn().await;
    app.script_model(json!({"text": "fn main() {}", "chunk_size": 4, "input_tokens": 42, "output_tokens": 7})).await;
    let chain = app.deps.config.models.chain();
    let mut stream = llm::open(&app.deps, &chain, prompt("write main")).await.unwrap();
    assert_eq!(stream.model, PRIMARY_MODEL);
    let (text, events) = collect(&mut stream).await;
    assert_eq!(text, "fn main() {}");
    assert_eq!(events.iter().filter(|e| matches!(e, StreamEvent::Delta(_))).count(), 3);
    assert_eq!(
        events.last(),
        Some(&StreamEvent::Done {
            stop_reason: "end_turn".into(),
            usage: Usage { input_tokens: 42, output_tokens: 7 }
        })
    );
    let log = app.model_requests().await;
    assert_eq!(log[0]["operation"], "ConverseStream");
    assert_eq!(log[0]["model_id"], PRIMARY_MODEL);
    assert_eq!(log[0]["system"], "You are a coding assistant.\n\nThe user's own instructions.");
    assert_eq!(log[0]["messages"][0]["text"], "write main");
    assert_eq!(log[0]["max_tokens"], 256);
}

#[tokio::test]
async fn a_throttled_or_unavailable_primary_falls_back_before_any_text() {
    let app = TestApp::spawn().await;
    let chain = app.deps.config.models.chain();
    for error in ["ThrottlingException", "ServiceUnavailableException", "ModelTimeoutException"] {
        app.script_model(json!({"error": error, "model": PRIMARY_MODEL})).await;
        let mut stream = llm::open(&app.deps, &chain, prompt("hello")).await.unwrap();
        assert_eq!(stream.model, FALLBACK_MODEL, "{error}");
        assert_eq!(collect(&mut stream).await.0, "Stub reply to: hello");
    }
    // A stream that fails before its first text counts as unavailable too: the
    // primary accepted the request, then the fallback answers.
    app.script_model(json!({"text": "", "error": "ModelStreamErrorException", "model": PRIMARY_MODEL})).await;
    let mut stream = llm::open(&app.deps, &chain, prompt("hello")).await.unwrap();
    assert_eq!(stream.model, PRIMARY_MODEL);
    assert_eq!(collect(&mut stream).await.0, "Stub reply to: hello");
    assert_eq!(stream.model, FALLBACK_MODEL);
}

#[tokio::test]
async fn after_text_a_failure_ends_the_stream_without_switching() {
    let app = TestApp::spawn().await;
    app.script_model(json!({"text": "half an ans", "error": "ModelStreamErrorException", "model": PRIMARY_MODEL}))
        .await;
    let chain = app.deps.config.models.chain();
    let mut stream = llm::open(&app.deps, &chain, prompt("hello")).await.unwrap();
    assert_eq!(stream.model, PRIMARY_MODEL);
    let (text, events) = collect(&mut stream).await;
    assert_eq!(text, "half an ans", "the partial text arrived");
    assert!(matches!(events.last(), Some(StreamEvent::Failed { code: "model_error", .. })), "{events:?}");
    assert_eq!(app.model_requests().await.len(), 1, "no second model was asked");
}

#[tokio::test]
async fn when_every_model_is_unavailable_the_answer_is_502() {
    let app = TestApp::spawn().await;
    app.script_model(json!({"error": "ThrottlingException", "times": 0})).await;
    let chain = app.deps.config.models.chain();
    let err = llm::open(&app.deps, &chain, prompt("hello")).await.err().expect("no model answered");
    assert_eq!(err.status.as_u16(), 502);
    assert_eq!(err.code, "model_unavailable");
    assert_eq!(app.model_requests().await.len(), 2, "each model was tried once");
}

#[tokio::test]
async fn complete_returns_a_whole_answer_from_the_small_model() {
    let app = TestApp::spawn().await;
    app.script_model(json!({"text": "Rust ownership basics", "model": SMALL_MODEL, "output_tokens": 4})).await;
    let models = vec![app.deps.config.models.small.clone()];
    let (text, model, usage) = llm::complete(&app.deps, &models, prompt("title this chat")).await.unwrap();
    assert_eq!((text.as_str(), model.as_str(), usage.output_tokens), ("Rust ownership basics", SMALL_MODEL, 4));
}
