//! Claude.ai's data export: `conversations.json` (a list of conversations) and
//! `projects.json` (a list of projects with their documents).
//!
//! - **The thread.** Messages name their parent (`parent_message_uuid`; the root's
//!   parent is the all-zero v4 uuid) when the conversation has edits or retries. The
//!   thread imported is the path to the root from the conversation's
//!   `current_leaf_message_uuid`, or, without it, from its newest message (by time, then
//!   by place in the list). Without parents, the list is the thread.
//! - **The text.** Built from the message's `content` blocks: the text of each `text`
//!   block, joined by a blank line. Other blocks (`thinking`, `tool_use`,
//!   `tool_result`, ...) are skipped: they were not part of the answer's text. The
//!   flattened `text` field is used only when there are no content blocks (it can hold
//!   placeholders for blocks the export cannot render).
//! - **Attachments** with `extracted_content` become documents with that text.
//!   `files[]` carry no bytes in the export and are skipped.

use super::{rfc3339, title, Conversation, Document, Message, Project, ProjectDoc, Role};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

#[derive(Deserialize)]
struct RawConversation {
    uuid: String,
    #[serde(default)]
    name: Option<String>,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    current_leaf_message_uuid: Option<String>,
    chat_messages: Vec<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    uuid: String,
    sender: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    content: Option<Vec<RawBlock>>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    attachments: Vec<RawAttachment>,
    #[serde(default)]
    parent_message_uuid: Option<String>,
}

#[derive(Deserialize)]
struct RawBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawAttachment {
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    extracted_content: Option<String>,
}

/// The parent of a conversation's first message.
const ROOT: &str = "00000000-0000-4000-8000-000000000000";

/// One element of `conversations.json`; the reason when it is not a conversation.
pub fn conversation(raw: &str) -> Result<Conversation, String> {
    let raw: RawConversation =
        serde_json::from_str(raw).map_err(|err| format!("not a Claude.ai conversation: {err}"))?;
    let created_at =
        rfc3339(&raw.created_at).ok_or_else(|| format!("conversation {}: unreadable created_at", raw.uuid))?;
    let updated_at = raw.updated_at.as_deref().and_then(rfc3339).unwrap_or(created_at).max(created_at);
    let thread = thread(&raw.chat_messages, raw.current_leaf_message_uuid.as_deref());
    let messages = thread.into_iter().filter_map(message).collect();
    Ok(Conversation { source_id: raw.uuid, title: title(raw.name.as_deref()), created_at, updated_at, messages })
}

/// The messages of the thread the user last saw, oldest first.
fn thread<'m>(messages: &'m [RawMessage], leaf: Option<&str>) -> Vec<&'m RawMessage> {
    if messages.iter().all(|m| m.parent_message_uuid.is_none()) {
        return messages.iter().collect();
    }
    let by_id: HashMap<&str, &RawMessage> = messages.iter().map(|m| (m.uuid.as_str(), m)).collect();
    let newest = || {
        messages
            .iter()
            .enumerate()
            .max_by_key(|(index, m)| (m.created_at.as_deref().and_then(rfc3339), *index))
            .map(|(_, m)| m)
    };
    let Some(mut at) = leaf.and_then(|id| by_id.get(id).copied()).or_else(newest) else {
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut path = vec![at];
    seen.insert(at.uuid.as_str());
    while let Some(parent) = at.parent_message_uuid.as_deref().filter(|p| *p != ROOT) {
        match by_id.get(parent) {
            Some(next) if seen.insert(next.uuid.as_str()) => {
                path.push(next);
                at = next;
            }
            _ => break,
        }
    }
    path.reverse();
    path
}

fn message(raw: &RawMessage) -> Option<Message> {
    let role = match raw.sender.as_str() {
        "human" => Role::User,
        "assistant" => Role::Assistant,
        _ => return None,
    };
    let text = match raw.content.as_deref() {
        Some(blocks) if !blocks.is_empty() => blocks
            .iter()
            .filter(|b| b.kind == "text")
            .filter_map(|b| b.text.as_deref())
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => raw.text.clone().unwrap_or_default(),
    };
    let documents = raw
        .attachments
        .iter()
        .filter_map(|a| {
            let content = a.extracted_content.as_deref().filter(|c| !c.trim().is_empty())?;
            let name = a.file_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("attachment.txt");
            Some(Document { name: name.to_string(), content: content.to_string() })
        })
        .collect();
    Some(Message {
        source_id: raw.uuid.clone(),
        role,
        text,
        created_at: raw.created_at.as_deref().and_then(rfc3339),
        documents,
    })
}

#[derive(Deserialize)]
struct RawProject {
    uuid: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    prompt_template: Option<String>,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    docs: Vec<RawDoc>,
}

#[derive(Deserialize)]
struct RawDoc {
    uuid: String,
    filename: String,
    content: String,
    #[serde(default)]
    created_at: Option<String>,
}

/// One element of `projects.json`; the reason when it is not a project.
pub fn project(raw: &str) -> Result<Project, String> {
    let raw: RawProject = serde_json::from_str(raw).map_err(|err| format!("not a Claude.ai project: {err}"))?;
    let created_at = rfc3339(&raw.created_at).ok_or_else(|| format!("project {}: unreadable created_at", raw.uuid))?;
    let updated_at = raw.updated_at.as_deref().and_then(rfc3339).unwrap_or(created_at).max(created_at);
    let name = raw.name.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Project {
        source_id: raw.uuid,
        name: if name.is_empty() { "Imported project".into() } else { name },
        description: raw.description.unwrap_or_default(),
        instructions: raw.prompt_template.unwrap_or_default(),
        created_at,
        updated_at,
        docs: raw
            .docs
            .into_iter()
            .map(|d| ProjectDoc {
                source_id: d.uuid,
                filename: d.filename,
                content: d.content,
                created_at: d.created_at.as_deref().and_then(rfc3339),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{each_element, pairs};
    use super::*;
    use std::ops::ControlFlow;

    const CONVERSATIONS: &str = include_str!("../../../../tests/fixtures/import/claude_ai/conversations.json");
    const PROJECTS: &str = include_str!("../../../../tests/fixtures/import/claude_ai/projects.json");

    fn all(file: &str) -> Vec<Result<Conversation, String>> {
        let mut found = Vec::new();
        each_element(file.as_bytes(), |_, raw| {
            found.push(conversation(raw.get()));
            ControlFlow::Continue(())
        })
        .unwrap();
        found
    }

    #[test]
    fn the_fixture_reads_as_the_user_saw_it() {
        let found = all(CONVERSATIONS);
        assert_eq!(found.len(), 4);
        let bad = found[3].as_ref().unwrap_err();
        assert!(bad.contains("not a Claude.ai conversation"), "{bad}");

        let plain = found[0].as_ref().unwrap();
        assert_eq!(plain.title, "Planning a trip to Lisbon");
        let shown: Vec<(String, String)> = pairs(plain).into_iter().map(|p| (p.user_text, p.answer)).collect();
        assert_eq!(
            shown,
            [
                ("What should I see in Lisbon in two days?".into(), "Start with Alfama and the castle.".into()),
                ("And where should I eat?".into(), "Try Time Out Market.".into()),
            ]
        );

        // Thinking and tool use are skipped; the flattened `text` with its placeholder is not used.
        let blocks = found[1].as_ref().unwrap();
        let pairs = pairs(blocks);
        assert_eq!(pairs.len(), 1, "the empty message is skipped");
        assert_eq!(pairs[0].answer, "Here is the summary.\n\nThe total is 42.");
        assert_eq!(pairs[0].documents, [Document { name: "notes.txt".into(), content: "Budget: 42 euros".into() }]);

        // An edit left two branches: the current leaf's thread is imported.
        let branched = found[2].as_ref().unwrap();
        let texts: Vec<String> = super::super::pairs(branched).into_iter().map(|p| p.user_text).collect();
        assert_eq!(texts, ["Name a colour", "Name a warmer colour (edited)"]);
    }

    #[test]
    fn without_a_current_leaf_the_newest_branch_is_the_thread() {
        let raw = r#"{"uuid": "c", "name": "n", "created_at": "2025-01-01T00:00:00Z", "chat_messages": [
            {"uuid": "a", "sender": "human", "text": "first", "created_at": "2025-01-01T00:00:01Z", "parent_message_uuid": "00000000-0000-4000-8000-000000000000"},
            {"uuid": "b", "sender": "assistant", "text": "old answer", "created_at": "2025-01-01T00:00:02Z", "parent_message_uuid": "a"},
            {"uuid": "c2", "sender": "assistant", "text": "retried answer", "created_at": "2025-01-01T00:00:05Z", "parent_message_uuid": "a"}
        ]}"#;
        let conversation = conversation(raw).unwrap();
        let pairs = pairs(&conversation);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].answer, "retried answer");
    }

    #[test]
    fn projects_carry_their_documents_and_instructions() {
        let mut found = Vec::new();
        each_element(PROJECTS.as_bytes(), |_, raw| {
            found.push(project(raw.get()).unwrap());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Home renovation");
        assert_eq!(found[0].instructions, "Answer as a careful builder.");
        assert_eq!(found[0].docs.len(), 2);
        assert_eq!(found[0].docs[1].filename, "budget.md");
    }
}
