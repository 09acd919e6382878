//! Value types that are both stored and shown: the store maps them to items, the API
//! modules put them in bodies (and re-export them). They know neither side.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One block of a message's content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Text { text: String },
    Image { file_id: Uuid, filename: String, media_type: String, size: i64 },
    Document { file_id: Uuid, filename: String, media_type: String, size: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    /// The answer is being written; `assistant_message` holds the text so far.
    Generating,
    Complete,
    /// The model stopped mid-answer; the text it produced is kept.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Attached to chat messages.
    Attachment,
    /// The user's profile picture.
    Avatar,
    /// An export of conversations to import (`POST /import`).
    Import,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Image,
    Document,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Waiting for the upload and `POST /files/{id}/complete`.
    Pending,
    /// Checked and usable.
    Ready,
}

/// Tokens a model reported for one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// What a long-term memory is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemoryCategory {
    Personal,
    Professional,
    Preference,
    Project,
    Skill,
    Goal,
    Other,
}

impl MemoryCategory {
    pub const ALL: [MemoryCategory; 7] =
        [Self::Personal, Self::Professional, Self::Preference, Self::Project, Self::Skill, Self::Goal, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Professional => "professional",
            Self::Preference => "preference",
            Self::Project => "project",
            Self::Skill => "skill",
            Self::Goal => "goal",
            Self::Other => "other",
        }
    }
}

/// The formats of another assistant's conversations that `POST /import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// Claude.ai's `conversations.json` (alone, or in the export's zip).
    ClaudeAi,
    /// ChatGPT's `conversations.json` (alone, or in the export's zip).
    Chatgpt,
    /// This product's own archive (`POST /export`), as downloaded (or zipped).
    Myclaude,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::ClaudeAi => "claude_ai",
            ImportFormat::Chatgpt => "chatgpt",
            ImportFormat::Myclaude => "myclaude",
        }
    }
}

/// What an export's archive holds, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Exported {
    pub chats: u64,
    /// User messages and answers (two per pair that has an answer).
    pub messages: u64,
    /// Attachments described (their metadata; the bytes stay in the account).
    pub attachments: u64,
    pub projects: u64,
    pub knowledge: u64,
    pub prompts: u64,
    pub memories: u64,
    pub memory_tags: u64,
    pub design_projects: u64,
    pub prototypes: u64,
    /// Prototype versions, each with its page's HTML.
    pub versions: u64,
}

/// What an import brought in, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Imported {
    pub chats: u64,
    /// User messages and answers (two per pair that has an answer).
    pub messages: u64,
    /// Attachments' text, as documents.
    pub documents: u64,
    /// Projects (Claude.ai's `projects.json`, in the export's zip).
    pub projects: u64,
    /// The projects' documents, as knowledge.
    pub knowledge: u64,
    /// Saved prompts (a `myclaude` archive).
    pub prompts: u64,
    /// Memories (a `myclaude` archive).
    pub memories: u64,
    /// Memory tags (a `myclaude` archive).
    pub memory_tags: u64,
    /// Design projects (a `myclaude` archive), with their prototypes and every version.
    pub design_projects: u64,
    pub prototypes: u64,
    pub versions: u64,
    /// Conversations and projects already there from an earlier import of the same file.
    pub already_imported: u64,
    /// Conversations with no message to import.
    pub empty: u64,
}
