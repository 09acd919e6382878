//! The model stub: a local stand-in for Amazon Bedrock's runtime that speaks the
//! `Converse` and `ConverseStream` wire protocol exactly as the AWS SDK expects it
//! (restJson1 bodies, AWS event-stream framing for the stream, usage in the metadata
//! event, AWS-style errors), so the product's real `aws-sdk-bedrockruntime` client
//! runs against it unchanged. Tests script its replies and read what it received
//! through the control API under `/__stub/` (see api.md, "Model stub").

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const DEFAULT_PORT: u16 = 4010;
const DEFAULT_CHUNK: usize = 16;

/// A scripted reply, queued with `POST /__stub/responses`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedReply {
    #[serde(default)]
    pub text: Option<String>,
    /// Only for requests whose system prompt or messages contain this.
    #[serde(default, rename = "match")]
    pub matches: Option<String>,
    /// Only for requests to this model id.
    #[serde(default)]
    pub model: Option<String>,
    /// A Bedrock error: alone, the request fails with it; with `text`, the text is
    /// streamed first and the stream then fails with it.
    #[serde(default)]
    pub error: Option<StubError>,
    #[serde(default)]
    pub chunk_size: Option<usize>,
    /// Delay before each delta after the first.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Delay before the first delta.
    #[serde(default)]
    pub first_delay_ms: Option<u64>,
    /// How many requests this reply answers; 0 = forever. Default 1.
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub input_tokens: Option<u64>,
    #[serde(default)]
    pub output_tokens: Option<u64>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum StubError {
    ThrottlingException,
    ServiceUnavailableException,
    ValidationException,
    ModelTimeoutException,
    ModelStreamErrorException,
}

impl StubError {
    fn status(self) -> StatusCode {
        match self {
            Self::ThrottlingException => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailableException => StatusCode::SERVICE_UNAVAILABLE,
            Self::ValidationException => StatusCode::BAD_REQUEST,
            Self::ModelTimeoutException => StatusCode::REQUEST_TIMEOUT,
            Self::ModelStreamErrorException => StatusCode::FAILED_DEPENDENCY,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::ThrottlingException => "ThrottlingException",
            Self::ServiceUnavailableException => "ServiceUnavailableException",
            Self::ValidationException => "ValidationException",
            Self::ModelTimeoutException => "ModelTimeoutException",
            Self::ModelStreamErrorException => "ModelStreamErrorException",
        }
    }

    /// The member name of the exception inside the ConverseStream event union.
    fn stream_member(self) -> &'static str {
        match self {
            Self::ThrottlingException => "throttlingException",
            Self::ServiceUnavailableException => "serviceUnavailableException",
            Self::ValidationException => "validationException",
            // Not a member of the stream union; Bedrock reports a timed-out stream as a
            // model stream error.
            Self::ModelTimeoutException | Self::ModelStreamErrorException => "modelStreamErrorException",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Self::ThrottlingException => "Too many requests, please wait before trying again.",
            Self::ServiceUnavailableException => "The service is temporarily unable to handle the request.",
            Self::ValidationException => "The request is invalid.",
            Self::ModelTimeoutException => "The model timed out while processing the request.",
            Self::ModelStreamErrorException => "The model failed while streaming its response.",
        }
    }
}

/// What the stub saw of one request (`GET /__stub/requests`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedRequest {
    pub operation: String,
    pub model_id: String,
    /// Every system text block, joined with blank lines.
    pub system: String,
    pub messages: Vec<RecordedMessage>,
    pub max_tokens: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RecordedMessage {
    pub role: String,
    /// The message's text blocks, joined with newlines.
    pub text: String,
    pub images: usize,
    pub documents: usize,
}

#[derive(Default)]
pub struct Stub {
    replies: Mutex<Vec<ScriptedReply>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

type Shared = Arc<Stub>;

/// The stub's routes: Bedrock's two operations and the control API.
pub fn router(stub: Shared) -> axum::Router {
    axum::Router::new()
        .route("/model/{model_id}/converse", post(converse))
        .route("/model/{model_id}/converse-stream", post(converse_stream))
        .route("/__stub/responses", post(queue_reply))
        .route("/__stub/requests", get(list_requests))
        .route("/__stub/reset", post(reset))
        .with_state(stub)
}

/// Serves the stub on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Stream frames are small: without TCP_NODELAY, Nagle's algorithm holds each one
    // back until the previous is acknowledged.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(Shared::default())).with_graceful_shutdown(shutdown).await
}

async fn queue_reply(State(stub): State<Shared>, Json(reply): Json<ScriptedReply>) -> impl IntoResponse {
    if reply.text.is_none() && reply.error.is_none() {
        return (StatusCode::BAD_REQUEST, Json(json!({"message": "a reply needs `text`, `error`, or both"})));
    }
    stub.replies.lock().expect("stub lock").push(reply);
    (StatusCode::CREATED, Json(json!({"queued": true})))
}

async fn list_requests(State(stub): State<Shared>) -> Json<Vec<RecordedRequest>> {
    Json(stub.requests.lock().expect("stub lock").clone())
}

async fn reset(State(stub): State<Shared>) -> StatusCode {
    stub.replies.lock().expect("stub lock").clear();
    stub.requests.lock().expect("stub lock").clear();
    StatusCode::NO_CONTENT
}

/// The parts of a Converse request body the stub reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConverseBody {
    #[serde(default)]
    messages: Vec<MessageBody>,
    #[serde(default)]
    system: Vec<Value>,
    #[serde(default)]
    inference_config: Option<InferenceConfig>,
}

#[derive(Deserialize)]
struct MessageBody {
    role: String,
    #[serde(default)]
    content: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InferenceConfig {
    #[serde(default)]
    max_tokens: Option<u64>,
}

fn record(operation: &str, model_id: &str, body: &ConverseBody) -> RecordedRequest {
    let texts = |blocks: &[Value]| -> Vec<String> {
        blocks.iter().filter_map(|b| b.get("text").and_then(Value::as_str).map(str::to_string)).collect()
    };
    RecordedRequest {
        operation: operation.into(),
        model_id: model_id.into(),
        system: texts(&body.system).join("\n\n"),
        messages: body
            .messages
            .iter()
            .map(|m| RecordedMessage {
                role: m.role.clone(),
                text: texts(&m.content).join("\n"),
                images: m.content.iter().filter(|b| b.get("image").is_some()).count(),
                documents: m.content.iter().filter(|b| b.get("document").is_some()).count(),
            })
            .collect(),
        max_tokens: body.inference_config.as_ref().and_then(|c| c.max_tokens),
    }
}

/// Picks (and uses up) the first queued reply that fits the request.
fn take_reply(stub: &Stub, request: &RecordedRequest) -> Option<ScriptedReply> {
    let mut replies = stub.replies.lock().expect("stub lock");
    let index = replies.iter().position(|reply| {
        let model_ok = reply.model.as_deref().is_none_or(|m| m == request.model_id);
        let match_ok = reply.matches.as_deref().is_none_or(|needle| {
            request.system.contains(needle) || request.messages.iter().any(|m| m.text.contains(needle))
        });
        model_ok && match_ok
    })?;
    let reply = replies[index].clone();
    match reply.times.unwrap_or(1) {
        0 => {}
        1 => {
            replies.remove(index);
        }
        n => replies[index].times = Some(n - 1),
    }
    Some(reply)
}

/// A small, valid page in the `<prototype_file>` tag a UI prototype request asks for,
/// showing the end of what was asked (escaped).
fn prototype_page(asked: &str) -> String {
    let tail: Vec<char> = asked.chars().rev().take(200).collect();
    let asked: String = tail.into_iter().rev().collect();
    let escaped = asked.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    format!(
        "Here is the page.\n<prototype_file name=\"index.html\">\n<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n\
         <meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Stub prototype</title>\n<script src=\"https://cdn.tailwindcss.com\"></script>\n</head>\n\
         <body class=\"min-h-screen bg-slate-50 p-8\">\n<main class=\"mx-auto max-w-2xl rounded-xl bg-white p-6 shadow\">\n\
         <h1 class=\"text-2xl font-semibold text-slate-900\">Stub prototype</h1>\n\
         <p class=\"mt-2 text-slate-600\">{escaped}</p>\n</main>\n</body>\n</html>\n</prototype_file>"
    )
}

/// The deterministic answer when nothing is scripted.
fn default_reply(request: &RecordedRequest) -> ScriptedReply {
    let last_user = request.messages.iter().rev().find(|m| m.role == "user").map(|m| m.text.as_str()).unwrap_or("");
    let text = if request.system.contains("<prototype_file") {
        prototype_page(last_user)
    } else {
        format!("Stub reply to: {}", last_user.chars().take(200).collect::<String>())
    };
    ScriptedReply {
        text: Some(text),
        matches: None,
        model: None,
        error: None,
        chunk_size: None,
        delay_ms: None,
        first_delay_ms: None,
        times: None,
        input_tokens: None,
        output_tokens: None,
    }
}

/// Plausible token counts: about four characters a token.
fn usage(request: &RecordedRequest, reply: &ScriptedReply) -> (u64, u64) {
    let prompt_chars = request.system.len() + request.messages.iter().map(|m| m.text.len()).sum::<usize>();
    let images = request.messages.iter().map(|m| m.images + m.documents).sum::<usize>() as u64;
    let input = reply.input_tokens.unwrap_or(prompt_chars as u64 / 4 + 1 + images * 1_500);
    let output = reply.output_tokens.unwrap_or(reply.text.as_deref().unwrap_or("").len() as u64 / 4 + 1);
    (input, output)
}

/// An AWS restJson1 error response, as Bedrock sends it.
fn error_response(status: StatusCode, name: &'static str, message: String) -> Response {
    let mut response = (status, Json(json!({"message": message}))).into_response();
    response.headers_mut().insert("x-amzn-errortype", header::HeaderValue::from_static(name));
    response
}

fn aws_error(error: StubError) -> Response {
    error_response(error.status(), error.name(), error.message().into())
}

fn parse_body(bytes: &Bytes) -> Result<ConverseBody, String> {
    serde_json::from_slice(bytes).map_err(|err| format!("Malformed input request: {err}"))
}

fn malformed(message: String) -> Response {
    error_response(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// Records the request and picks its reply.
fn accept(stub: &Stub, operation: &str, model_id: &str, body: &ConverseBody) -> (RecordedRequest, ScriptedReply) {
    let request = record(operation, model_id, body);
    stub.requests.lock().expect("stub lock").push(request.clone());
    let reply = take_reply(stub, &request).unwrap_or_else(|| default_reply(&request));
    (request, reply)
}

async fn converse(State(stub): State<Shared>, Path(model_id): Path<String>, bytes: Bytes) -> Response {
    let started = Instant::now();
    let body = match parse_body(&bytes) {
        Ok(body) => body,
        Err(message) => return malformed(message),
    };
    let (request, reply) = accept(&stub, "Converse", &model_id, &body);
    if let Some(error) = reply.error {
        return aws_error(error);
    }
    if let Some(delay) = reply.first_delay_ms {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let text = reply.text.clone().unwrap_or_default();
    let (input, output) = usage(&request, &reply);
    Json(json!({
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": input, "outputTokens": output, "totalTokens": input + output},
        "metrics": {"latencyMs": started.elapsed().as_millis() as u64},
    }))
    .into_response()
}

fn frame(headers: Vec<Header>, payload: Value) -> Bytes {
    let message = Message::new_from_parts(headers, Bytes::from(payload.to_string()));
    let mut buffer = Vec::new();
    write_message_to(&message, &mut buffer).expect("an event-stream frame encodes");
    Bytes::from(buffer)
}

fn string(value: &'static str) -> HeaderValue {
    HeaderValue::String(value.into())
}

fn event(event_type: &'static str, payload: Value) -> Bytes {
    frame(
        vec![
            Header::new(":event-type", string(event_type)),
            Header::new(":content-type", string("application/json")),
            Header::new(":message-type", string("event")),
        ],
        payload,
    )
}

fn exception(error: StubError) -> Bytes {
    let mut payload = json!({"message": error.message()});
    if error.stream_member() == "modelStreamErrorException" {
        payload["originalStatusCode"] = json!(500);
        payload["originalMessage"] = json!(error.message());
    }
    frame(
        vec![
            Header::new(":exception-type", string(error.stream_member())),
            Header::new(":content-type", string("application/json")),
            Header::new(":message-type", string("exception")),
        ],
        payload,
    )
}

/// Splits on character boundaries into pieces of at most `size` characters.
fn chunks(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size.max(1)).map(|c| c.iter().collect()).collect()
}

async fn converse_stream(State(stub): State<Shared>, Path(model_id): Path<String>, bytes: Bytes) -> Response {
    let started = Instant::now();
    let body = match parse_body(&bytes) {
        Ok(body) => body,
        Err(message) => return malformed(message),
    };
    let (request, reply) = accept(&stub, "ConverseStream", &model_id, &body);
    if let (Some(error), None) = (reply.error, &reply.text) {
        return aws_error(error);
    }
    let (input, output) = usage(&request, &reply);
    let text = reply.text.clone().unwrap_or_default();
    let pieces = chunks(&text, reply.chunk_size.unwrap_or(DEFAULT_CHUNK));
    let (first_delay, delay) = (reply.first_delay_ms.unwrap_or(0), reply.delay_ms.unwrap_or(0));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let send = |bytes: Bytes| {
            let tx = tx.clone();
            async move { tx.send(Ok(bytes)).await.is_ok() }
        };
        if !send(event("messageStart", json!({"role": "assistant"}))).await {
            return;
        }
        for (i, piece) in pieces.into_iter().enumerate() {
            let wait = if i == 0 { first_delay } else { delay };
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            let delta = json!({"contentBlockIndex": 0, "delta": {"text": piece}});
            if !send(event("contentBlockDelta", delta)).await {
                return; // The client went away.
            }
        }
        if let Some(error) = reply.error {
            send(exception(error)).await;
            return;
        }
        send(event("contentBlockStop", json!({"contentBlockIndex": 0}))).await;
        send(event("messageStop", json!({"stopReason": "end_turn"}))).await;
        let metadata = json!({
            "usage": {"inputTokens": input, "outputTokens": output, "totalTokens": input + output},
            "metrics": {"latencyMs": started.elapsed().as_millis() as u64},
        });
        send(event("metadata", metadata)).await;
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")
        .header("x-amzn-bedrock-content-type", "application/json")
        .body(body)
        .expect("a valid response")
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
