//! Request and response bodies of the `/chats` routes.

pub use crate::model::{Block, PairStatus, Role};
use crate::store::chats::ChatItem;
use crate::store::pairs::PairItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct Chat {
    pub id: Uuid,
    pub title: String,
    pub project_id: Option<Uuid>,
    pub system_prompt: Option<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub message_count: i64,
    pub total_tokens: i64,
    /// When memory extraction last finished for this chat (whether or not it learned
    /// anything); null before the first.
    #[serde(with = "time::serde::rfc3339::option")]
    pub memories_extracted_at: Option<OffsetDateTime>,
}

impl From<ChatItem> for Chat {
    fn from(item: ChatItem) -> Self {
        Self {
            id: item.id,
            title: item.title,
            project_id: item.project_id,
            system_prompt: item.system_prompt,
            archived: item.archived,
            created_at: item.created_at,
            updated_at: item.updated_at,
            message_count: item.message_count,
            total_tokens: item.total_tokens,
            memories_extracted_at: item.memories_extracted_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatList {
    pub items: Vec<Chat>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChatRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    /// Blank means none.
    #[serde(default)]
    #[schema(max_length = 50000)]
    pub system_prompt: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChatRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub title: Option<String>,
    /// `null` removes the chat's own system prompt.
    #[serde(default, deserialize_with = "crate::domain::present")]
    #[schema(value_type = Option<String>, max_length = 50000)]
    pub system_prompt: Option<Option<String>>,
    /// `null` takes the chat out of its project.
    #[serde(default, deserialize_with = "crate::domain::present")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPromptRequest {
    /// The chat's own system prompt (for example a saved prompt's text); empty removes it.
    #[schema(max_length = 50000)]
    pub system_prompt: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub role: Role,
    pub content: Vec<Block>,
    /// Tokens of the message: counted for user text, as reported by the model for answers.
    pub token_count: i64,
    /// The model that wrote an answer; null for user messages.
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A user message and the answer to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pair {
    pub id: Uuid,
    pub hidden: bool,
    pub status: PairStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub user_message: Message,
    pub assistant_message: Message,
}

impl From<PairItem> for Pair {
    fn from(item: PairItem) -> Self {
        Pair {
            id: item.id,
            hidden: item.hidden,
            status: item.status,
            created_at: item.created_at,
            user_message: Message {
                id: item.user_message_id,
                role: Role::User,
                content: item.user_content,
                token_count: item.user_token_count,
                model: None,
                stop_reason: None,
                created_at: item.created_at,
            },
            assistant_message: Message {
                id: item.assistant_message_id,
                role: Role::Assistant,
                content: if item.assistant_text.is_empty() {
                    Vec::new()
                } else {
                    vec![Block::Text { text: item.assistant_text }]
                },
                token_count: item.assistant_token_count,
                model: item.model,
                stop_reason: item.stop_reason,
                created_at: item.assistant_created_at,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PairList {
    /// Oldest first.
    pub items: Vec<Pair>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPairRequest {
    /// The user message's new text (attachments stay).
    #[schema(
        min_length = 1,
        max_length = 60000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub text: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamRequest {
    /// The chat to continue; without it a chat is created.
    #[serde(default)]
    pub chat_id: Option<Uuid>,
    /// For a new chat: the project it belongs to.
    #[serde(default)]
    pub project_id: Option<Uuid>,
    /// The user's message (ignored with `regenerate_pair_id`).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 60000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub text: Option<String>,
    /// Ready attachments of the caller: at most 20 images and 5 documents.
    #[serde(default)]
    #[schema(max_items = 25)]
    pub file_ids: Vec<Uuid>,
    /// Answer this pair again (its current user text), replacing its answer.
    #[serde(default)]
    pub regenerate_pair_id: Option<Uuid>,
    /// One of the configured models; the configured fallbacks follow it.
    #[serde(default)]
    pub model: Option<String>,
}

/// `start` event of `POST /chat/stream`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamStart {
    pub chat_id: Uuid,
    pub pair_id: Uuid,
    pub user_message_id: Uuid,
    pub assistant_message_id: Uuid,
    /// The model answering (after any fallback before its first text).
    pub model: String,
    pub chat_created: bool,
}

/// `delta` event of `POST /chat/stream`: the next piece of the answer, as the model wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamDelta {
    pub text: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// `done` event of `POST /chat/stream`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamDone {
    pub stop_reason: String,
    pub model: String,
    pub usage: TokenUsage,
    pub chat_id: Uuid,
    pub pair_id: Uuid,
    pub assistant_message_id: Uuid,
}

/// `error` event of a stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamError {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ModelUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub requests: i64,
}

/// `GET /chats/{id}/usage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatUsage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    /// Per model id.
    pub by_model: std::collections::BTreeMap<String, ModelUsage>,
    /// Tokens of the conversation as of the latest answer (its input plus its output):
    /// about what the next message will carry as context.
    pub context_tokens: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayUsage {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub requests: i64,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct UsageTotal {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_tokens: i64,
    pub requests: i64,
}

/// `GET /usage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    pub from: String,
    pub to: String,
    /// Every day of the range, oldest first (days without use count zero).
    pub days: Vec<DayUsage>,
    pub total: UsageTotal,
    pub by_model: std::collections::BTreeMap<String, ModelUsage>,
}
