//! `POST /chat/preview`: the request `POST /chat/stream` would send to the model for
//! the same body, from the same code (`prepare`), with every part's tokens counted.
//! Neither the model nor the store is written to.

use super::api::StreamRequest;
use super::prepare::{prepare, Prepared};
use super::prompt::{self, Layer};
use crate::auth::TokenCaller;
use crate::error::ApiResult;
use crate::model::{Block, Role};
use crate::Deps;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One layer of the system prompt.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLayer {
    pub layer: Layer,
    /// Exactly the text the model is given.
    pub text: String,
    pub tokens: i64,
}

/// One message of the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewMessage {
    pub role: Role,
    /// Attachments past the request's limits appear as the text that names them.
    pub content: Vec<Block>,
    /// Text by the tokenizer; each image or document at the fixed estimate the
    /// context window is planned with.
    pub tokens: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatPreview {
    /// The model tried first (the fallbacks follow it only if it is unavailable).
    pub model: String,
    /// In the order the model reads them.
    pub system: Vec<PreviewLayer>,
    /// Earlier pairs that still fit, oldest first, then the new message.
    pub messages: Vec<PreviewMessage>,
    /// The system layers' and the messages' tokens together.
    pub total_tokens: i64,
    pub context_window: i64,
    /// The answer's share of the window, kept free.
    pub max_output_tokens: i64,
    /// Earlier visible pairs left out because the window is full (the oldest go first).
    pub left_out_pairs: i64,
    /// The memories in the `memories` layer, in its order.
    pub memory_ids: Vec<Uuid>,
}

/// Answers `POST /chat/preview`.
pub async fn preview(deps: &Deps, caller: TokenCaller, req: StreamRequest) -> ApiResult<ChatPreview> {
    crate::tokens::warm_up();
    let Prepared { models, memories, assembled, .. } = prepare(deps, &caller, &req).await?;
    crate::tokens::ready().await;
    let count = |text: &str| crate::tokens::count(text) as usize;
    let system: Vec<PreviewLayer> = assembled
        .system
        .into_iter()
        .map(|layer| PreviewLayer { layer: layer.layer, tokens: count(&layer.text) as i64, text: layer.text })
        .collect();
    let messages: Vec<PreviewMessage> = assembled
        .messages
        .into_iter()
        .map(|m| PreviewMessage {
            role: m.role,
            tokens: prompt::blocks_tokens(&m.content, &count) as i64,
            content: m.content,
        })
        .collect();
    let total_tokens = system.iter().map(|l| l.tokens).sum::<i64>() + messages.iter().map(|m| m.tokens).sum::<i64>();
    Ok(ChatPreview {
        model: models.into_iter().next().unwrap_or_default(),
        system,
        messages,
        total_tokens,
        context_window: deps.config.models.context_window as i64,
        max_output_tokens: assembled.max_output_tokens as i64,
        left_out_pairs: assembled.dropped_pairs as i64,
        memory_ids: memories.ids,
    })
}
