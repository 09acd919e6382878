//! The `myclaude` archive: what `POST /export` writes and `POST /import` with format
//! `myclaude` reads. One JSON object, its sections in this order (the largest last, so
//! a reader can stream it):
//!
//! ```text
//! {"format": "myclaude", "version": 1, "exported_at": "…",
//!  "profile": {…}, "prompts": […], "memory_tags": […], "memories": […],
//!  "projects": [{…, "knowledge": […]}],
//!  "design_projects": [{…, "groups": […], "prototypes": [{…, "variants": [{…, "versions": [{…, "html": "…"}]}]}]}],
//!  "chats": [{…, "pairs": […]}]}
//! ```
//!
//! Each record holds what the user made and when, by its id in the exporting account;
//! nothing secret (no password hash, session or token) and no storage detail (keys,
//! counters the store derives). A pair's attachments are described by its content
//! blocks (file id, name, type and size); their bytes stay in the account.

use crate::model::{Block, MemoryCategory, PairStatus};
use crate::store::chats::ChatItem;
use crate::store::memories::{MemoryItem, MemoryTagItem};
use crate::store::pairs::PairItem;
use crate::store::projects::{KnowledgeItem, ProjectItem};
use crate::store::prompts::PromptItem;
use crate::store::prototypes::{DesignProjectItem, GroupItem, PrototypeItem, VariantItem, VersionItem};
use crate::store::users::UserItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The `format` of every archive.
pub const FORMAT: &str = "myclaude";
/// The archive version this code writes (and the newest it reads).
pub const VERSION: u32 = 1;

/// The account the archive was taken from (no secret of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: OffsetDateTime,
    pub memory_enabled: bool,
}

impl From<&UserItem> for Profile {
    fn from(user: &UserItem) -> Self {
        Self {
            email: user.email.clone(),
            username: user.username.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            date_joined: user.date_joined,
            memory_enabled: user.memory_enabled,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub id: Uuid,
    pub name: String,
    pub content: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<PromptItem> for Prompt {
    fn from(p: PromptItem) -> Self {
        Self { id: p.id, name: p.name, content: p.content, created_at: p.created_at, updated_at: p.updated_at }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryTag {
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<MemoryTagItem> for MemoryTag {
    fn from(t: MemoryTagItem) -> Self {
        Self { name: t.name, created_at: t.created_at }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub id: Uuid,
    pub summary: String,
    #[serde(default)]
    pub raw_content: Option<String>,
    pub category: MemoryCategory,
    pub confidence: f64,
    #[serde(default)]
    pub tags: Vec<String>,
    pub is_verified: bool,
    pub is_active: bool,
    /// The chat (of this archive) it was learned from, and the pairs.
    #[serde(default)]
    pub source_chat_id: Option<Uuid>,
    #[serde(default)]
    pub source_pair_ids: Vec<Uuid>,
    #[serde(default)]
    pub also_learned_in: Vec<Uuid>,
    #[serde(default)]
    pub reference_count: i64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_referenced_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<MemoryItem> for Memory {
    fn from(m: MemoryItem) -> Self {
        Self {
            id: m.id,
            summary: m.summary,
            raw_content: m.raw_content,
            category: m.category,
            confidence: m.confidence,
            tags: m.tags,
            is_verified: m.is_verified,
            is_active: m.is_active,
            source_chat_id: m.source_chat_id,
            source_pair_ids: m.source_pair_ids,
            also_learned_in: m.also_learned_in,
            reference_count: m.reference_count,
            last_referenced_at: m.last_referenced_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Knowledge {
    pub id: Uuid,
    pub title: String,
    pub content: String,
    pub include_in_chat: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<KnowledgeItem> for Knowledge {
    fn from(k: KnowledgeItem) -> Self {
        Self {
            id: k.id,
            title: k.title,
            content: k.content,
            include_in_chat: k.include_in_chat,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub instructions: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// In the order they were added.
    pub knowledge: Vec<Knowledge>,
}

impl Project {
    pub fn new(p: ProjectItem, knowledge: Vec<KnowledgeItem>) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            instructions: p.instructions,
            created_at: p.created_at,
            updated_at: p.updated_at,
            knowledge: knowledge.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<GroupItem> for Group {
    fn from(g: GroupItem) -> Self {
        Self {
            id: g.id,
            name: g.name,
            description: g.description,
            position: g.position,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// A prototype version and its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub id: Uuid,
    pub version_number: i64,
    #[serde(default)]
    pub edit_prompt: Option<String>,
    pub file_name: String,
    pub model: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub html: String,
}

impl Version {
    pub fn new(v: VersionItem, html: String) -> Self {
        Self {
            id: v.id,
            version_number: v.version_number,
            edit_prompt: v.edit_prompt,
            file_name: v.file_name,
            model: v.model,
            created_at: v.created_at,
            html,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub is_original: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Oldest first.
    pub versions: Vec<Version>,
}

impl Variant {
    pub fn new(v: VariantItem, versions: Vec<Version>) -> Self {
        Self {
            id: v.id,
            name: v.name,
            description: v.description,
            is_original: v.is_original,
            created_at: v.created_at,
            versions,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prototype {
    pub id: Uuid,
    #[serde(default)]
    pub group_id: Option<Uuid>,
    pub name: String,
    pub prompt: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The original first.
    pub variants: Vec<Variant>,
}

impl Prototype {
    pub fn new(p: PrototypeItem, variants: Vec<Variant>) -> Self {
        Self {
            id: p.id,
            group_id: p.group_id,
            name: p.name,
            prompt: p.prompt,
            created_at: p.created_at,
            updated_at: p.updated_at,
            variants,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignProject {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub groups: Vec<Group>,
    pub prototypes: Vec<Prototype>,
}

impl DesignProject {
    pub fn new(d: DesignProjectItem, groups: Vec<Group>, prototypes: Vec<Prototype>) -> Self {
        Self {
            id: d.id,
            name: d.name,
            description: d.description,
            created_at: d.created_at,
            updated_at: d.updated_at,
            groups,
            prototypes,
        }
    }
}

/// A user message and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub id: Uuid,
    pub hidden: bool,
    pub status: PairStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub user_message_id: Uuid,
    /// Text blocks, and the attachments by file id, name, type and size.
    pub user_content: Vec<Block>,
    /// Tokens of the user message as counted when it was sent (counted again on import
    /// when absent).
    #[serde(default)]
    pub user_token_count: Option<i64>,
    pub assistant_message_id: Uuid,
    pub assistant_text: String,
    /// Tokens of the answer as counted when it was written (counted again when absent).
    #[serde(default)]
    pub assistant_token_count: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub assistant_created_at: OffsetDateTime,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
}

impl From<PairItem> for Pair {
    fn from(p: PairItem) -> Self {
        Self {
            id: p.id,
            hidden: p.hidden,
            status: p.status,
            created_at: p.created_at,
            updated_at: p.updated_at,
            user_message_id: p.user_message_id,
            user_content: p.user_content,
            user_token_count: Some(p.user_token_count),
            assistant_message_id: p.assistant_message_id,
            assistant_text: p.assistant_text,
            assistant_token_count: Some(p.assistant_token_count),
            assistant_created_at: p.assistant_created_at,
            model: p.model,
            stop_reason: p.stop_reason,
            input_tokens: p.input_tokens,
            output_tokens: p.output_tokens,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    pub id: Uuid,
    pub title: String,
    #[serde(default)]
    pub title_set_by_user: bool,
    #[serde(default)]
    pub project_id: Option<Uuid>,
    #[serde(default)]
    pub system_prompt: Option<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The chat's token counts as the account kept them: every message's text and
    /// what the latest answer's request held (added up from the pairs when absent).
    #[serde(default)]
    pub total_tokens: Option<i64>,
    #[serde(default)]
    pub context_tokens: Option<i64>,
    /// Oldest first.
    pub pairs: Vec<Pair>,
}

impl Chat {
    pub fn new(c: ChatItem, pairs: Vec<PairItem>) -> Self {
        Self {
            id: c.id,
            title: c.title,
            title_set_by_user: c.title_set_by_user,
            project_id: c.project_id,
            system_prompt: c.system_prompt,
            archived: c.archived,
            created_at: c.created_at,
            updated_at: c.updated_at,
            total_tokens: Some(c.total_tokens),
            context_tokens: Some(c.context_tokens),
            pairs: pairs.into_iter().map(Into::into).collect(),
        }
    }

    /// User messages and answers.
    pub fn messages(&self) -> u64 {
        self.pairs.iter().map(|p| 1 + u64::from(!p.assistant_text.trim().is_empty())).sum()
    }

    /// Attachments of its messages.
    pub fn attachments(&self) -> u64 {
        self.pairs.iter().flat_map(|p| &p.user_content).filter(|b| !matches!(b, Block::Text { .. })).count() as u64
    }
}
