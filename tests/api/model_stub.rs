//! The model stub, driven through the real `aws-sdk-bedrockruntime` client: every
//! frame, usage figure and error it sends must parse exactly as Bedrock's do.

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, DocumentBlock, DocumentFormat, DocumentSource, ImageBlock,
    ImageFormat, ImageSource, InferenceConfiguration, Message, SystemContentBlock,
};
use aws_sdk_bedrockruntime::Client;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const MODEL: &str = "us.anthropic.claude-sonnet-4-20250514-v1:0";

struct StubUnderTest {
    url: String,
    client: Client,
    http: reqwest::Client,
}

async fn start() -> StubUnderTest {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(model_stub::serve(listener, std::future::pending()));
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version_latest()
        .http_client(shared::aws::https_client())
        .region(aws_sdk_bedrockruntime::config::Region::new("us-east-1"))
        .endpoint_url(&url)
        .credentials_provider(aws_sdk_bedrockruntime::config::Credentials::new("local", "local", None, None, "test"))
        // The product falls back to the next model itself instead of retrying; so do
        // these tests, so each scripted error is seen exactly once.
        .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled())
        .build();
    StubUnderTest { url, client: Client::from_conf(config), http: reqwest::Client::new() }
}

impl StubUnderTest {
    async fn script(&self, reply: Value) {
        let response = self.http.post(format!("{}/__stub/responses", self.url)).json(&reply).send().await.unwrap();
        assert_eq!(response.status(), 201);
    }

    async fn requests(&self) -> Vec<Value> {
        self.http.get(format!("{}/__stub/requests", self.url)).send().await.unwrap().json().await.unwrap()
    }
}

fn user(text: &str) -> Message {
    Message::builder().role(ConversationRole::User).content(ContentBlock::Text(text.into())).build().unwrap()
}

/// Streams one request; returns the deltas (with when each arrived), the stop reason,
/// the reported usage, and the in-stream error if the stream failed.
struct Streamed {
    deltas: Vec<(String, Duration)>,
    stop_reason: Option<String>,
    usage: Option<(i32, i32)>,
    error: Option<aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError>,
}

async fn stream(stub: &StubUnderTest, model: &str, system: &str, messages: Vec<Message>) -> Streamed {
    let started = Instant::now();
    let mut output = stub
        .client
        .converse_stream()
        .model_id(model)
        .system(SystemContentBlock::Text(system.into()))
        .set_messages(Some(messages))
        .inference_config(InferenceConfiguration::builder().max_tokens(512).build())
        .send()
        .await
        .expect("the stream starts");
    let mut streamed = Streamed { deltas: vec![], stop_reason: None, usage: None, error: None };
    loop {
        match output.stream.recv().await {
            Ok(Some(ConverseStreamOutput::ContentBlockDelta(event))) => {
                let text = event.delta().and_then(|d| d.as_text().ok()).cloned().unwrap_or_default();
                streamed.deltas.push((text, started.elapsed()));
            }
            Ok(Some(ConverseStreamOutput::MessageStop(event))) => {
                streamed.stop_reason = Some(event.stop_reason().as_str().to_string());
            }
            Ok(Some(ConverseStreamOutput::Metadata(event))) => {
                streamed.usage = event.usage().map(|u| (u.input_tokens(), u.output_tokens()));
            }
            Ok(Some(_)) => {}
            Ok(None) => return streamed,
            Err(err) => {
                streamed.error = err.into_service_error().into();
                return streamed;
            }
        }
    }
}

fn text_of(streamed: &Streamed) -> String {
    streamed.deltas.iter().map(|(t, _)| t.as_str()).collect()
}

#[tokio::test]
async fn the_default_reply_streams_through_the_sdk_and_the_request_is_logged() {
    let stub = start().await;
    let streamed = stream(&stub, MODEL, "You are helpful.", vec![user("Hello there, stub!")]).await;
    assert_eq!(text_of(&streamed), "Stub reply to: Hello there, stub!");
    assert!(streamed.deltas.iter().all(|(t, _)| t.chars().count() <= 16));
    assert_eq!(streamed.deltas.len(), "Stub reply to: Hello there, stub!".len().div_ceil(16));
    assert_eq!(streamed.stop_reason.as_deref(), Some("end_turn"));
    let (input, output) = streamed.usage.expect("usage in the metadata event");
    assert!(input > 0 && output > 0);
    assert!(streamed.error.is_none());

    let log = stub.requests().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["operation"], "ConverseStream");
    assert_eq!(log[0]["model_id"], MODEL);
    assert_eq!(log[0]["system"], "You are helpful.");
    assert_eq!(
        log[0]["messages"],
        json!([{"role": "user", "text": "Hello there, stub!", "images": 0, "documents": 0}])
    );
    assert_eq!(log[0]["max_tokens"], 512);
}

#[tokio::test]
async fn scripted_replies_match_by_text_and_model_and_set_usage() {
    let stub = start().await;
    stub.script(json!({"text": "secret answer", "match": "password", "chunk_size": 5, "times": 2,
        "input_tokens": 123, "output_tokens": 45}))
        .await;
    stub.script(json!({"text": "from haiku", "model": "haiku-model"})).await;

    let other = stream(&stub, MODEL, "sys", vec![user("no match here")]).await;
    assert_eq!(text_of(&other), "Stub reply to: no match here");
    for _ in 0..2 {
        let hit = stream(&stub, MODEL, "sys", vec![user("what is the password?")]).await;
        assert_eq!(text_of(&hit), "secret answer");
        assert_eq!(hit.deltas.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["secre", "t ans", "wer"]);
        assert_eq!(hit.usage, Some((123, 45)));
    }
    let used_up = stream(&stub, MODEL, "sys", vec![user("what is the password?")]).await;
    assert!(text_of(&used_up).starts_with("Stub reply to:"), "times: 2 was used up");
    assert_eq!(text_of(&stream(&stub, "haiku-model", "sys", vec![user("hi")]).await), "from haiku");
}

#[tokio::test]
async fn errors_before_the_stream_are_bedrock_errors() {
    let stub = start().await;
    stub.script(json!({"error": "ThrottlingException"})).await;
    let err = stub
        .client
        .converse_stream()
        .model_id(MODEL)
        .messages(user("hi"))
        .send()
        .await
        .expect_err("throttled")
        .into_service_error();
    assert!(err.is_throttling_exception(), "{err:?}");

    stub.script(json!({"error": "ServiceUnavailableException"})).await;
    let err =
        stub.client.converse().model_id(MODEL).messages(user("hi")).send().await.unwrap_err().into_service_error();
    assert!(err.is_service_unavailable_exception(), "{err:?}");

    stub.script(json!({"error": "ModelTimeoutException"})).await;
    let err =
        stub.client.converse().model_id(MODEL).messages(user("hi")).send().await.unwrap_err().into_service_error();
    assert!(err.is_model_timeout_exception(), "{err:?}");

    stub.script(json!({"error": "ValidationException"})).await;
    let err =
        stub.client.converse().model_id(MODEL).messages(user("hi")).send().await.unwrap_err().into_service_error();
    assert!(err.is_validation_exception(), "{err:?}");
}

#[tokio::test]
async fn an_error_after_text_fails_the_stream_midway() {
    let stub = start().await;
    stub.script(json!({"text": "partial answer", "error": "ModelStreamErrorException", "chunk_size": 7})).await;
    let streamed = stream(&stub, MODEL, "sys", vec![user("hi")]).await;
    assert_eq!(text_of(&streamed), "partial answer", "the text before the failure arrived");
    let error = streamed.error.expect("the stream failed");
    assert!(error.is_model_stream_error_exception(), "{error:?}");
    assert!(streamed.usage.is_none());
}

#[tokio::test]
async fn deltas_arrive_as_they_are_produced() {
    let stub = start().await;
    stub.script(json!({"text": "aaaabbbbcccc", "chunk_size": 4, "first_delay_ms": 300, "delay_ms": 150})).await;
    let streamed = stream(&stub, MODEL, "sys", vec![user("hi")]).await;
    let times: Vec<Duration> = streamed.deltas.iter().map(|(_, at)| *at).collect();
    assert_eq!(times.len(), 3);
    assert!(times[0] >= Duration::from_millis(300), "{times:?}");
    assert!(times[1] - times[0] >= Duration::from_millis(120), "not buffered: {times:?}");
    assert!(times[2] - times[1] >= Duration::from_millis(120), "not buffered: {times:?}");
}

#[tokio::test]
async fn attachments_are_counted_and_converse_answers_whole() {
    let stub = start().await;
    let png = Blob::new(vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]);
    let image = ImageBlock::builder().format(ImageFormat::Png).source(ImageSource::Bytes(png)).build().unwrap();
    let document = DocumentBlock::builder()
        .format(DocumentFormat::Pdf)
        .name("spec")
        .source(DocumentSource::Bytes(Blob::new(b"%PDF-1.4".to_vec())))
        .build()
        .unwrap();
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("look at these".into()))
        .content(ContentBlock::Image(image.clone()))
        .content(ContentBlock::Image(image))
        .content(ContentBlock::Document(document))
        .build()
        .unwrap();
    stub.script(json!({"text": "a title", "output_tokens": 3})).await;
    let output = stub.client.converse().model_id("small-model").messages(message).send().await.unwrap();
    let reply = output.output().unwrap().as_message().unwrap();
    assert_eq!(reply.content()[0].as_text().unwrap(), "a title");
    assert_eq!(output.usage().unwrap().output_tokens(), 3);
    assert_eq!(output.stop_reason().as_str(), "end_turn");

    let log = stub.requests().await;
    assert_eq!(log[0]["operation"], "Converse");
    assert_eq!(log[0]["messages"][0], json!({"role": "user", "text": "look at these", "images": 2, "documents": 1}));

    let reset = stub.http.post(format!("{}/__stub/reset", stub.url)).send().await.unwrap();
    assert_eq!(reset.status(), 204);
    assert!(stub.requests().await.is_empty());
}
