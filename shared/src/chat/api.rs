//! Request and response bodies of the `/chats` routes.

use crate::store::chats::ChatItem;
use serde::{Deserialize, Deserializer, Serialize};
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
    pub title: Option<String>,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub system_prompt: Option<String>,
}

/// Absent → `None` (leave as is); `null` → `Some(None)` (clear); a value → `Some(Some(v))`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChatRequest {
    #[serde(default)]
    pub title: Option<String>,
    /// `null` removes the chat's own system prompt.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub system_prompt: Option<Option<String>>,
    /// `null` takes the chat out of its project.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub project_id: Option<Option<Uuid>>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPromptRequest {
    /// The chat's own system prompt (for example a saved prompt's text); empty removes it.
    pub system_prompt: String,
}
