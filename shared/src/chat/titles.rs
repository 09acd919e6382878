//! Chat titles from the small model, written only while the user has not set one.

use crate::error::ApiResult;
use crate::llm::{self, Prompt};
use crate::store::{self, chats};
use crate::Deps;
use uuid::Uuid;

pub const MAX_TITLE_CHARS: usize = 80;
/// Enough of the first message to know what the chat is about.
const MAX_INPUT_CHARS: usize = 2_000;

const TITLE_INSTRUCTIONS: &str = "You name conversations. Reply with a short, specific title (at most six words) \
for a conversation that starts with the user's message below. Reply with the title only: no quotes, no \
punctuation at the end, no preamble.";

/// The model's reply made into a title: first line, no wrapping quotes or trailing
/// dot, at most 80 characters; `None` if nothing usable is left.
pub fn clean_title(raw: &str) -> Option<String> {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.strip_prefix("Title:").map(str::trim).unwrap_or(line);
    let trimmed = line.trim_matches(|c: char| matches!(c, '"' | '\'' | '`' | '*' | '#') || c.is_whitespace());
    let trimmed = trimmed.trim_end_matches(['.', '!', ':']).trim();
    if trimmed.is_empty() {
        return None;
    }
    let mut title: String = trimmed.chars().take(MAX_TITLE_CHARS).collect();
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        title = title.trim_end().to_string() + "…";
    }
    Some(title)
}

/// Asks the small model for a title and stores it unless the user named the chat
/// meanwhile; the tokens it used are counted in the usage. Returns the title stored,
/// if any.
pub async fn generate(deps: &Deps, user_id: Uuid, chat_id: Uuid, first_message: &str) -> ApiResult<Option<String>> {
    let excerpt: String = first_message.chars().take(MAX_INPUT_CHARS).collect();
    let prompt = Prompt {
        system: vec![TITLE_INSTRUCTIONS.to_string()],
        messages: vec![Prompt::user_text(&excerpt)],
        max_output_tokens: Some(30),
    };
    let (reply, model, usage) = llm::complete(deps, &deps.config.models.small_chain(), prompt).await?;
    // What the small model used counts like an answer's tokens: the user's day and the chat.
    let today = deps.clock.now().date();
    store::usage::record(&deps.table, user_id, Some(chat_id), &model, usage, today).await?;
    let Some(title) = clean_title(&reply) else {
        tracing::warn!(%chat_id, %model, "the model gave no usable title");
        return Ok(None);
    };
    Ok(chats::set_generated_title(&deps.table, user_id, chat_id, &title).await?.then_some(title))
}

#[cfg(test)]
mod tests {
    use super::clean_title;

    #[test]
    fn titles_are_cleaned() {
        assert_eq!(clean_title("Rust borrow checker basics").as_deref(), Some("Rust borrow checker basics"));
        assert_eq!(clean_title("\n\"Async Rust.\"\nmore").as_deref(), Some("Async Rust"));
        assert_eq!(clean_title("Title: **Sorting in Go**").as_deref(), Some("Sorting in Go"));
        assert_eq!(clean_title("   \n  "), None);
        let long = clean_title(&"word ".repeat(40)).unwrap();
        assert!(long.chars().count() <= 81 && long.ends_with('…'));
    }
}
