//! Long-term memory: what the assistant learns about a user across chats, which the
//! user can see and control. Memories are learned in the background from chats
//! (`extract`), curated through the API, and the most relevant active ones are put
//! into each chat's system prompt (`context`).

pub mod api;
pub mod context;
pub mod curation;
pub mod extract;

use crate::store::memories::{self, Edited, MemoryItem};
use crate::store::{Conflict, StoreError, StoreResult, Table};
use std::collections::BTreeSet;
use uuid::Uuid;

pub const MAX_SUMMARY_CHARS: usize = 500;
pub const MAX_RAW_CONTENT_CHARS: usize = 5_000;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 50;

/// A tag's name as stored: trimmed, lower-case, inner whitespace runs made one `-`;
/// letters, digits and `-_.+#&` only (so `c++`, `c#` and `r&d` are tags), at most
/// [`MAX_TAG_CHARS`] characters.
/// The characters are checked as written, before lower-casing (which can turn a letter
/// into a letter and a combining mark: `İ` is `i̇` in lower case).
pub fn tag_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join("-");
    if name.is_empty() {
        return Err("A tag may not be blank.".into());
    }
    if name.chars().count() > MAX_TAG_CHARS {
        return Err(format!("A tag has at most {MAX_TAG_CHARS} characters."));
    }
    if !name.chars().all(|c| c.is_alphanumeric() || "-_.+#&".contains(c)) {
        return Err("A tag holds only letters, digits, spaces and - _ . + # &.".into());
    }
    Ok(name.to_lowercase())
}

/// Words that say nothing about which fact a text states or what it is about.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "but",
    "by",
    "called",
    "can",
    "could",
    "currently",
    "did",
    "do",
    "does",
    "doing",
    "for",
    "from",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "me",
    "more",
    "most",
    "my",
    "named",
    "no",
    "not",
    "now",
    "of",
    "on",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "please",
    "s",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "user",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
];

/// A crude stem, so "works", "working" and "worked" are one word.
fn stem(word: &str) -> String {
    let n = word.chars().count();
    if n > 4 && word.ends_with("ies") {
        return format!("{}y", &word[..word.len() - 3]);
    }
    if n > 5 && word.ends_with("ing") {
        return word[..word.len() - 3].to_string();
    }
    if n > 4 && word.ends_with("ed") {
        return word[..word.len() - 2].to_string();
    }
    if n > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_string();
    }
    word.to_string()
}

/// The content words of a text, as memories are compared (extraction) and matched to
/// a message (choosing them for a prompt): lower-case, punctuation and stopwords
/// dropped, stemmed. `+` and `#` stay inside words (`c++`, `c#`).
pub fn words(text: &str) -> BTreeSet<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#'))
        .map(|word| word.trim_start_matches(['+', '#']))
        .filter(|word| !word.is_empty() && !STOPWORDS.contains(word))
        .filter(|word| word.chars().count() > 1 || word.chars().all(|c| c.is_ascii_digit()))
        .map(stem)
        .collect()
}

/// The memory's line in the prompt's memory layer.
pub fn prompt_line(memory: &MemoryItem) -> String {
    format!("- [{}] {}", memory.category.as_str(), memory.summary.trim())
}

/// The tokens of the memory's line, as stored in `token_count` (waits for the tokenizer
/// if it is still loading).
pub async fn count_line(memory: &MemoryItem) -> i64 {
    crate::tokens::ready().await;
    crate::tokens::count(&prompt_line(memory)) as i64
}

/// How a change to a memory went.
#[derive(Debug)]
pub enum Changed {
    /// Stored; the memory as it is now.
    Stored(MemoryItem),
    /// The change changes nothing: nothing was written.
    Unchanged(MemoryItem),
    /// The memory is gone (deleted meanwhile, or never the owner's).
    Gone,
}

/// How many times a change is applied again to a memory that moved meanwhile.
const CHANGE_ATTEMPTS: usize = 4;

/// Applies `change` to the owner's memory as stored (`read`, when the caller has just read
/// it; else it is read now) and stores it on condition that it did not move meanwhile;
/// when it did, the memory is read again and the change applied again (then
/// `Conflict::Changed`). The line's `token_count` follows its summary and category.
pub async fn change(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    read: Option<MemoryItem>,
    now: time::OffsetDateTime,
    change: impl Fn(&mut MemoryItem),
) -> StoreResult<Changed> {
    let mut read = read;
    for _ in 0..CHANGE_ATTEMPTS {
        let current = match read.take() {
            Some(memory) => memory,
            None => match memories::get(table, owner, id).await? {
                Some(memory) => memory,
                None => return Ok(Changed::Gone),
            },
        };
        let mut memory = current.clone();
        change(&mut memory);
        if memory == current {
            return Ok(Changed::Unchanged(current));
        }
        if prompt_line(&memory) != prompt_line(&current) {
            memory.token_count = count_line(&memory).await;
        }
        match memories::edit(table, &memory, now).await? {
            Edited::Done(stored) => return Ok(Changed::Stored(*stored)),
            Edited::Stale => {}
        }
    }
    Err(StoreError::Conflict(Conflict::Changed("memory")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_normalised() {
        assert_eq!(tag_name("  Rust  Programming ").unwrap(), "rust-programming");
        assert_eq!(tag_name("C++").unwrap(), "c++");
        assert_eq!(tag_name("Café").unwrap(), "café");
        assert!(tag_name("   ").is_err());
        assert!(tag_name("a/b").is_err());
        assert!(tag_name(&"x".repeat(51)).is_err());
        assert!(tag_name(&"x".repeat(50)).is_ok());
        assert_eq!(tag_name("İstanbul").unwrap(), "i\u{307}stanbul");
    }
}
