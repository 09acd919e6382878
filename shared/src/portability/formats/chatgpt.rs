//! ChatGPT's data export: `conversations.json`, a list of conversations, each a tree of
//! messages (`mapping`: node id → `{message, parent, children}`).
//!
//! - **The thread** is the path from `current_node` up to the root, the one the user
//!   last saw; edits and regenerations left elsewhere in the tree are not imported.
//!   Without a usable `current_node`, the newest leaf stands in for it.
//! - **Messages that are not messages** are skipped: empty nodes, `system` and `tool`
//!   authors, an assistant's calls to a tool (`recipient` other than `all`), nodes hidden
//!   from the conversation (`metadata.is_visually_hidden_from_conversation`), and the
//!   custom instructions (`user_editable_context`, `model_editable_context`).
//! - **The text** is the string parts of a `text` or `multimodal_text` content, joined
//!   by a line break. Other parts (images, audio) carry no text and are skipped; so are
//!   other content types (code sent to tools, reasoning).

use super::{epoch_seconds, title, Conversation, Message, Role};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

#[derive(Deserialize)]
struct RawConversation {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    create_time: Option<f64>,
    #[serde(default)]
    update_time: Option<f64>,
    mapping: HashMap<String, RawNode>,
    #[serde(default)]
    current_node: Option<String>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawNode {
    #[serde(default)]
    message: Option<RawMessage>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    children: Vec<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    id: Option<String>,
    author: RawAuthor,
    #[serde(default)]
    create_time: Option<f64>,
    #[serde(default)]
    content: Option<RawContent>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    recipient: Option<String>,
}

#[derive(Deserialize)]
struct RawAuthor {
    role: String,
}

#[derive(Deserialize)]
struct RawContent {
    content_type: String,
    #[serde(default)]
    parts: Vec<Value>,
}

/// One element of `conversations.json`; the reason when it is not a conversation.
pub fn conversation(raw: &str) -> Result<Conversation, String> {
    let raw: RawConversation = serde_json::from_str(raw).map_err(|err| format!("not a ChatGPT conversation: {err}"))?;
    let source_id = raw
        .conversation_id
        .clone()
        .or_else(|| raw.id.clone())
        .filter(|id| !id.trim().is_empty())
        .ok_or("not a ChatGPT conversation: it has no conversation_id")?;
    let created_at = raw
        .create_time
        .and_then(epoch_seconds)
        .ok_or_else(|| format!("conversation {source_id}: unreadable create_time"))?;
    let updated_at = raw.update_time.and_then(epoch_seconds).unwrap_or(created_at).max(created_at);
    let messages = thread(&raw).into_iter().filter_map(|(id, node)| message(id, node)).collect();
    Ok(Conversation { source_id, title: title(raw.title.as_deref()), created_at, updated_at, messages })
}

/// The nodes from the root to the current node.
fn thread(raw: &RawConversation) -> Vec<(&str, &RawNode)> {
    let newest_leaf = || {
        raw.mapping
            .iter()
            .filter(|(_, node)| node.children.is_empty())
            .max_by(|(a_id, a), (b_id, b)| {
                let time = |n: &RawNode| n.message.as_ref().and_then(|m| m.create_time).unwrap_or(f64::MIN);
                time(a).total_cmp(&time(b)).then_with(|| a_id.cmp(b_id))
            })
            .map(|(id, _)| id.as_str())
    };
    let start = raw.current_node.as_deref().filter(|id| raw.mapping.contains_key(*id)).or_else(newest_leaf);
    let mut path = Vec::new();
    let mut seen = HashSet::new();
    let mut at = start;
    while let Some(id) = at {
        let Some((key, node)) = raw.mapping.get_key_value(id) else { break };
        if !seen.insert(key.as_str()) {
            break;
        }
        path.push((key.as_str(), node));
        at = node.parent.as_deref();
    }
    path.reverse();
    path
}

fn message(node_id: &str, node: &RawNode) -> Option<Message> {
    let raw = node.message.as_ref()?;
    let role = match raw.author.role.as_str() {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        _ => return None,
    };
    if raw.recipient.as_deref().is_some_and(|r| r != "all") {
        return None;
    }
    let hidden = raw
        .metadata
        .as_ref()
        .and_then(|m| m.get("is_visually_hidden_from_conversation"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if hidden {
        return None;
    }
    let content = raw.content.as_ref()?;
    if !matches!(content.content_type.as_str(), "text" | "multimodal_text") {
        return None;
    }
    let text =
        content.parts.iter().filter_map(Value::as_str).filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join("\n");
    Some(Message {
        source_id: raw.id.clone().unwrap_or_else(|| node_id.to_string()),
        role,
        text,
        created_at: raw.create_time.and_then(epoch_seconds),
        documents: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{each_element, pairs};
    use super::*;
    use std::ops::ControlFlow;

    const CONVERSATIONS: &str = include_str!("../../../../tests/fixtures/import/chatgpt/conversations.json");

    #[test]
    fn the_fixture_imports_only_the_current_thread() {
        let mut found = Vec::new();
        each_element(CONVERSATIONS.as_bytes(), |_, raw| {
            found.push(conversation(raw.get()));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(found.len(), 3);
        let edited = found[0].as_ref().unwrap();
        assert_eq!(edited.source_id, "c0a8f9e2-0001-4bde-9e4f-6a3c5b2d1e01");
        assert_eq!(edited.title, "Sourdough help");
        let shown: Vec<(String, String)> = pairs(edited).into_iter().map(|p| (p.user_text, p.answer)).collect();
        assert_eq!(
            shown,
            [
                ("How long should I proof sourdough?".into(), "Usually 4 to 6 hours at room temperature.".into()),
                ("And overnight in the fridge? (edited)".into(), "12 to 16 hours works well.".into()),
            ]
        );

        // Tool calls and their output, and the hidden custom instructions, are not messages.
        let tools = found[1].as_ref().unwrap();
        let pairs = pairs(tools);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].user_text, "What is 17 * 23?");
        assert_eq!(pairs[0].answer, "17 × 23 = 391.");

        let bad = found[2].as_ref().unwrap_err();
        assert!(bad.contains("not a ChatGPT conversation"), "{bad}");
    }

    #[test]
    fn a_claude_ai_file_is_not_read_as_chatgpt() {
        let claude = include_str!("../../../../tests/fixtures/import/claude_ai/conversations.json");
        let mut errors = 0;
        each_element(claude.as_bytes(), |_, raw| {
            errors += usize::from(conversation(raw.get()).is_err());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(errors, 4);
    }
}
