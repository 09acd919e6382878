//! Talking to Claude on Bedrock (`ConverseStream` / `Converse`). A stream is opened
//! on the first model of the chain that answers: throttled, unavailable or timed-out
//! models (including an in-stream failure before any text) are skipped for the next
//! one. Once text has flowed there is no silent switch: a later failure ends the
//! stream with `Failed`, and the caller keeps the partial text.

use crate::error::{ApiError, ErrorChain};
pub use crate::model::Usage;
use crate::Deps;
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamError;
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, InferenceConfiguration, Message, SystemContentBlock,
};
use http::StatusCode;
use std::collections::VecDeque;

/// What the model is asked: system prompt layers and the conversation, already
/// assembled (and trimmed to the context window) by the caller.
#[derive(Clone, Debug, Default)]
pub struct Prompt {
    pub system: Vec<String>,
    pub messages: Vec<Message>,
    pub max_output_tokens: Option<i32>,
}

impl Prompt {
    pub fn user_text(text: &str) -> Message {
        Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(text.to_string()))
            .build()
            .expect("role and content are set")
    }

    pub fn assistant_text(text: &str) -> Message {
        Message::builder()
            .role(ConversationRole::Assistant)
            .content(ContentBlock::Text(text.to_string()))
            .build()
            .expect("role and content are set")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// Text as the model produced it.
    Delta(String),
    /// The answer is complete.
    Done { stop_reason: String, usage: Usage },
    /// The model failed after text was streamed; what came before stands.
    Failed { code: &'static str, message: String },
}

pub fn model_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "model_unavailable",
        "The model is unavailable right now. Try again shortly.",
    )
}

/// A stream from the model that accepted the request. Until its first text it may
/// still move on to the next model of the chain (`model` tells which one answers).
pub struct ModelStream {
    pub model: String,
    client: aws_sdk_bedrockruntime::Client,
    prompt: Prompt,
    max_tokens: i32,
    /// Models not tried yet, for a failure before the first text.
    remaining: VecDeque<String>,
    receiver: EventReceiver<ConverseStreamOutput, ConverseStreamOutputError>,
    text_seen: bool,
    stop_reason: String,
    usage: Usage,
    finished: bool,
}

/// Whether an error before any text means "try the next model".
fn transient_before_start(err: &ConverseStreamError) -> bool {
    err.is_throttling_exception()
        || err.is_service_unavailable_exception()
        || err.is_model_timeout_exception()
        || err.is_internal_server_exception()
        || err.is_model_not_ready_exception()
}

fn transient_in_stream(err: &ConverseStreamOutputError) -> bool {
    err.is_throttling_exception()
        || err.is_service_unavailable_exception()
        || err.is_model_stream_error_exception()
        || err.is_internal_server_exception()
}

enum Next {
    Event(StreamEvent),
    End,
    Error(ConverseStreamOutputError),
    Broken(String),
}

impl ModelStream {
    /// Reads one wire event, folding bookkeeping events into the stream's state.
    async fn read(&mut self) -> Next {
        loop {
            match self.receiver.recv().await {
                Ok(Some(ConverseStreamOutput::ContentBlockDelta(event))) => {
                    if let Some(text) = event.delta().and_then(|d| d.as_text().ok()) {
                        if !text.is_empty() {
                            return Next::Event(StreamEvent::Delta(text.clone()));
                        }
                    }
                }
                Ok(Some(ConverseStreamOutput::MessageStop(event))) => {
                    self.stop_reason = event.stop_reason().as_str().to_string();
                }
                Ok(Some(ConverseStreamOutput::Metadata(event))) => {
                    if let Some(usage) = event.usage() {
                        self.usage = Usage {
                            input_tokens: i64::from(usage.input_tokens()),
                            output_tokens: i64::from(usage.output_tokens()),
                        };
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => return Next::End,
                Err(err) => {
                    return match err.into_service_error() {
                        service @ (ConverseStreamOutputError::ThrottlingException(_)
                        | ConverseStreamOutputError::ServiceUnavailableException(_)
                        | ConverseStreamOutputError::ModelStreamErrorException(_)
                        | ConverseStreamOutputError::InternalServerException(_)
                        | ConverseStreamOutputError::ValidationException(_)) => Next::Error(service),
                        other => Next::Broken(ErrorChain(&other).to_string()),
                    }
                }
            }
        }
    }

    fn done(&mut self) -> StreamEvent {
        self.finished = true;
        StreamEvent::Done { stop_reason: std::mem::take(&mut self.stop_reason), usage: self.usage }
    }

    fn failed(&mut self, message: String) -> StreamEvent {
        self.finished = true;
        tracing::warn!(model = %self.model, error = %message, "model failed mid-stream");
        StreamEvent::Failed { code: "model_error", message: "The model stopped before finishing its answer.".into() }
    }

    /// Before any text: moves on to the next model that accepts the request.
    async fn switch(&mut self) -> bool {
        while let Some(model) = self.remaining.pop_front() {
            if let Some(receiver) = send(&self.client, &model, &self.prompt, self.max_tokens).await {
                self.model = model;
                self.receiver = receiver;
                self.stop_reason.clear();
                self.usage = Usage::default();
                return true;
            }
        }
        false
    }

    /// The next event; `None` after `Done` or `Failed`.
    pub async fn next(&mut self) -> Option<StreamEvent> {
        if self.finished {
            return None;
        }
        loop {
            let next = self.read().await;
            let retry = match &next {
                Next::Error(err) if !self.text_seen && transient_in_stream(err) => {
                    tracing::warn!(model = %self.model, error = %ErrorChain(err), "model failed before any text; trying the next one");
                    true
                }
                Next::Broken(message) if !self.text_seen => {
                    tracing::warn!(model = %self.model, error = %message, "model stream broke before any text; trying the next one");
                    true
                }
                _ => false,
            };
            if retry {
                if self.switch().await {
                    continue;
                }
                self.finished = true;
                let err = model_unavailable();
                return Some(StreamEvent::Failed { code: err.code, message: err.message });
            }
            return Some(match next {
                Next::Event(event) => {
                    self.text_seen = true;
                    event
                }
                Next::End => self.done(),
                Next::Error(err) => self.failed(ErrorChain(&err).to_string()),
                Next::Broken(message) => self.failed(message),
            });
        }
    }
}

/// Sends the request to one model; `None` when it is throttled, unavailable or
/// timed out (the next model should be tried) or rejects the request.
async fn send(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    prompt: &Prompt,
    max_tokens: i32,
) -> Option<EventReceiver<ConverseStreamOutput, ConverseStreamOutputError>> {
    let request = client
        .converse_stream()
        .model_id(model)
        .set_system(Some(prompt.system.iter().map(|s| SystemContentBlock::Text(s.clone())).collect()))
        .set_messages(Some(prompt.messages.clone()))
        .inference_config(InferenceConfiguration::builder().max_tokens(max_tokens).build());
    match request.send().await {
        Ok(output) => Some(output.stream),
        Err(err) => {
            let service = err.into_service_error();
            if transient_before_start(&service) {
                tracing::warn!(%model, error = %ErrorChain(&service), "model unavailable; trying the next one");
            } else {
                tracing::error!(%model, error = %ErrorChain(&service), "model request failed");
            }
            None
        }
    }
}

/// Opens a stream on the first model of `models` that accepts the request (its
/// first text may still be on its way). 502 `model_unavailable` when none does; a
/// request a model rejects counts as unavailable too (it is our prompt that is
/// wrong, not the user's input) and the next model is asked.
pub async fn open(deps: &Deps, models: &[String], prompt: Prompt) -> Result<ModelStream, ApiError> {
    let max_tokens = prompt.max_output_tokens.unwrap_or(deps.config.models.max_output_tokens);
    let mut remaining: VecDeque<String> = models.iter().cloned().collect();
    while let Some(model) = remaining.pop_front() {
        if let Some(receiver) = send(&deps.bedrock, &model, &prompt, max_tokens).await {
            return Ok(ModelStream {
                model,
                client: deps.bedrock.clone(),
                prompt,
                max_tokens,
                remaining,
                receiver,
                text_seen: false,
                stop_reason: String::new(),
                usage: Usage::default(),
                finished: false,
            });
        }
    }
    Err(model_unavailable())
}

/// The model's next event, or a failure when it is silent for too long or the answer
/// reaches its time limit: the generation must end (and be stored) before the
/// function's own timeout would cut it off.
pub async fn next_within(deps: &Deps, model: &mut ModelStream, deadline: tokio::time::Instant) -> Option<StreamEvent> {
    let idle = tokio::time::Instant::now() + deps.config.stream_idle_timeout;
    match tokio::time::timeout_at(idle.min(deadline), model.next()).await {
        Ok(event) => event,
        Err(_) => {
            tracing::warn!(model = %model.model, "the model took too long; the answer ends here");
            Some(StreamEvent::Failed {
                code: "model_timeout",
                message: "The model took too long; the answer so far is kept.".into(),
            })
        }
    }
}

/// A whole (short) answer, for titles and memory extraction, via the same fallback
/// rules. Returns the text, the model that answered and the usage.
pub async fn complete(deps: &Deps, models: &[String], prompt: Prompt) -> Result<(String, String, Usage), ApiError> {
    let mut stream = open(deps, models, prompt).await?;
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        match event {
            StreamEvent::Delta(delta) => text.push_str(&delta),
            StreamEvent::Done { usage, .. } => return Ok((text, stream.model, usage)),
            StreamEvent::Failed { .. } => return Err(model_unavailable()),
        }
    }
    Err(model_unavailable())
}
