//! What other assistants' exports hold, read into one model: conversations of messages
//! (`Conversation`) and projects with their documents (`Project`). Each format's reader
//! (`claude_ai`, `chatgpt`) picks the thread the user last saw and the text they were
//! shown; `pairs` turns a thread into this product's user/answer pairs.
//!
//! Files are read as a stream (`each_element`): one conversation is in memory at a time,
//! whatever the file's size.

pub mod chatgpt;
pub mod claude_ai;
pub mod myclaude;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;
use time::OffsetDateTime;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// A document that came with a message: its name and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub content: String,
}

/// A message of the thread, as the user saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The source's id of the message.
    pub source_id: String,
    pub role: Role,
    pub text: String,
    pub created_at: Option<OffsetDateTime>,
    pub documents: Vec<Document>,
}

/// A conversation: the thread the user last saw, oldest message first.
#[derive(Clone, Debug, PartialEq)]
pub struct Conversation {
    /// The source's id of the conversation.
    pub source_id: String,
    pub title: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub messages: Vec<Message>,
}

/// A project and its documents (Claude.ai's `projects.json`).
#[derive(Clone, Debug, PartialEq)]
pub struct Project {
    pub source_id: String,
    pub name: String,
    pub description: String,
    /// The project's instructions (Claude.ai's `prompt_template`).
    pub instructions: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub docs: Vec<ProjectDoc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProjectDoc {
    pub source_id: String,
    pub filename: String,
    pub content: String,
    pub created_at: Option<OffsetDateTime>,
}

/// A user message and the answer to it, as imported.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedPair {
    /// The user message's source id (the pair's identity).
    pub source_id: String,
    pub user_text: String,
    pub documents: Vec<Document>,
    /// When the user wrote it; never before the pair before it.
    pub created_at: OffsetDateTime,
    /// The answer's source id, if there is an answer.
    pub answer_source_id: Option<String>,
    /// The answer: the assistant messages up to the next user message, joined by a blank
    /// line; empty when none came.
    pub answer: String,
    pub answered_at: OffsetDateTime,
}

/// The thread as pairs. The rules (docs/data-model.md, "Imports"):
/// - a message with no text and no document is skipped;
/// - assistant messages before the first user message are skipped (a greeting has no
///   question to pair with);
/// - a user message starts a pair, and the assistant messages up to the next user
///   message are its answer, joined by a blank line;
/// - a user message with no answer is a pair without one.
///
/// Times never go back: a message without a time, or with one before the message
/// before it, takes the time before it (the conversation's start for the first).
pub fn pairs(conversation: &Conversation) -> Vec<ImportedPair> {
    let mut pairs: Vec<ImportedPair> = Vec::new();
    let mut clock = conversation.created_at;
    for message in &conversation.messages {
        if message.text.trim().is_empty() && message.documents.is_empty() {
            continue;
        }
        if let Some(at) = message.created_at {
            clock = clock.max(at);
        }
        match message.role {
            Role::User => pairs.push(ImportedPair {
                source_id: message.source_id.clone(),
                user_text: message.text.clone(),
                documents: message.documents.clone(),
                created_at: clock,
                answer_source_id: None,
                answer: String::new(),
                answered_at: clock,
            }),
            Role::Assistant => {
                let Some(pair) = pairs.last_mut() else { continue };
                if message.text.trim().is_empty() {
                    continue;
                }
                if pair.answer.is_empty() {
                    pair.answer_source_id = Some(message.source_id.clone());
                    pair.answer = message.text.clone();
                } else {
                    pair.answer.push_str("\n\n");
                    pair.answer.push_str(&message.text);
                }
                pair.answered_at = clock;
            }
        }
    }
    pairs
}

/// Why a whole file cannot be imported.
#[derive(Debug, PartialEq, Eq)]
pub struct FileError(pub String);

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a file whose top level is a JSON array, handing each element to `each` as raw
/// JSON (one element in memory at a time). `each` may stop the reading early
/// (`ControlFlow::Break`). The count of elements handed over, or why the file is not a
/// JSON array (not JSON, cut short, or another shape).
pub fn each_element<R: Read>(
    reader: R,
    mut each: impl FnMut(usize, &RawValue) -> ControlFlow<()>,
) -> Result<usize, FileError> {
    struct Elements<'f, F> {
        each: &'f mut F,
        seen: usize,
        stopped: bool,
    }
    impl<'de, F: FnMut(usize, &RawValue) -> ControlFlow<()>> Visitor<'de> for &mut Elements<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(element) = seq.next_element::<Box<RawValue>>()? {
                let index = self.seen;
                self.seen += 1;
                if (self.each)(index, &element).is_break() {
                    self.stopped = true;
                    return Ok(());
                }
            }
            Ok(())
        }
    }
    impl<'de, F: FnMut(usize, &RawValue) -> ControlFlow<()>> DeserializeSeed<'de> for &mut Elements<'_, F> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }
    let mut elements = Elements { each: &mut each, seen: 0, stopped: false };
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let read = (&mut elements).deserialize(&mut deserializer);
    if elements.stopped {
        return Ok(elements.seen);
    }
    read.and_then(|()| deserializer.end()).map_err(|err| FileError(describe(&err)))?;
    Ok(elements.seen)
}

/// A JSON error as a reason a person can act on.
fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => format!("The file ends too early (cut short?): {err}."),
        Category::Syntax => format!("The file is not valid JSON: {err}."),
        Category::Data => format!("The file is not a list of conversations: {err}."),
        Category::Io => format!("The file could not be read: {err}."),
    }
}

/// An RFC 3339 time, as the exports write them.
pub(crate) fn rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// Seconds since the epoch with a fraction (ChatGPT's times).
pub(crate) fn epoch_seconds(seconds: f64) -> Option<OffsetDateTime> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    OffsetDateTime::from_unix_timestamp_nanos((seconds * 1e9) as i128).ok()
}

/// The title of a conversation without one.
pub const UNTITLED: &str = "Imported chat";

/// A title as stored: trimmed, one line, at most a chat title's length.
pub(crate) fn title(raw: Option<&str>) -> String {
    let line: String = raw.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    let line: String = line.chars().take(crate::chat::MAX_TITLE_CHARS).collect();
    if line.is_empty() {
        UNTITLED.to_string()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    fn message(id: &str, role: Role, text: &str, seconds: Option<i64>) -> Message {
        Message { source_id: id.into(), role, text: text.into(), created_at: seconds.map(at), documents: vec![] }
    }

    #[test]
    fn a_thread_becomes_pairs() {
        let conversation = Conversation {
            source_id: "c".into(),
            title: "t".into(),
            created_at: at(100),
            updated_at: at(200),
            messages: vec![
                message("greeting", Role::Assistant, "Hello! How can I help?", Some(101)),
                message("u1", Role::User, "First question", Some(110)),
                message("a1", Role::Assistant, "Part one", Some(111)),
                message("a1b", Role::Assistant, "Part two", None),
                message("empty", Role::User, "  ", Some(112)),
                message("u2", Role::User, "Unanswered", Some(105)),
                message("u3", Role::User, "Last", Some(130)),
                message("a3", Role::Assistant, "Answer", Some(131)),
            ],
        };
        let pairs = pairs(&conversation);
        let shown: Vec<(&str, &str, &str)> =
            pairs.iter().map(|p| (p.source_id.as_str(), p.user_text.as_str(), p.answer.as_str())).collect();
        assert_eq!(
            shown,
            [("u1", "First question", "Part one\n\nPart two"), ("u2", "Unanswered", ""), ("u3", "Last", "Answer")]
        );
        assert_eq!(pairs[0].answer_source_id.as_deref(), Some("a1"));
        assert_eq!(pairs[1].answer_source_id, None);
        // u2's time (105) is before the message before it (112 was skipped, 111): kept at 111.
        assert_eq!(pairs[1].created_at, at(111));
        assert_eq!(pairs[2].created_at, at(130));
        assert_eq!(pairs[2].answered_at, at(131));
    }

    #[test]
    fn elements_are_read_one_at_a_time_and_bad_files_say_why() {
        let mut seen = Vec::new();
        let count = each_element(&b" [ {\"a\": 1}, [2], \"x\" ] "[..], |i, raw| {
            seen.push((i, raw.get().to_string()));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(count, 3);
        assert_eq!(seen, [(0, "{\"a\": 1}".to_string()), (1, "[2]".to_string()), (2, "\"x\"".to_string())]);

        let stopped =
            each_element(
                &b"[1, 2, 3, 4]"[..],
                |i, _| if i == 1 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) },
            );
        assert_eq!(stopped, Ok(2));

        let cut = each_element(&b"[{\"a\": 1}, {\"b\""[..], |_, _| ControlFlow::Continue(())).unwrap_err();
        assert!(cut.0.starts_with("The file ends too early"), "{cut}");
        let object = each_element(&b"{\"conversations\": []}"[..], |_, _| ControlFlow::Continue(())).unwrap_err();
        assert!(object.0.starts_with("The file is not a list of conversations"), "{object}");
        let junk = each_element(&b"[1, 2] trailing"[..], |_, _| ControlFlow::Continue(())).unwrap_err();
        assert!(junk.0.starts_with("The file is not valid JSON"), "{junk}");
    }

    #[test]
    fn titles_are_one_trimmed_line() {
        assert_eq!(title(Some("  A \n title ")), "A title");
        assert_eq!(title(Some("   ")), UNTITLED);
        assert_eq!(title(None), UNTITLED);
    }
}
