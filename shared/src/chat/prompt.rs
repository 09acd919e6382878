//! Prompt assembly: a pure function from everything a chat knows to what the model
//! is sent. In order, the model sees the built-in system prompt, the chat's own
//! system prompt, the project's instructions and knowledge, the user's memories,
//! every non-hidden earlier pair, and the new message with its attachments. When
//! that would not fit the context window, the oldest pairs are dropped first.

use crate::llm::Prompt;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, DocumentBlock, DocumentFormat, DocumentSource, ImageBlock, ImageFormat,
    ImageSource, Message,
};

/// The assistant's standing instructions, under every chat's own system prompt.
pub const BUILT_IN_SYSTEM_PROMPT: &str = "You are myclaude, a careful and capable assistant with particular \
strength in software engineering. Answer in the language the user writes in. Be direct: lead with the answer, \
then the reasoning a reader needs to trust it. When you write code, write complete, working code in fenced \
blocks tagged with their language, follow the conventions of the language and of any code the user showed you, \
handle errors rather than ignoring them, and say what you assumed. When a request is ambiguous, say how you read \
it; when you are unsure of a fact, say so instead of guessing. Use Markdown where it helps reading.";

/// A rough cost of an image or document in the context window, in tokens, used only
/// to decide what fits (the model reports real usage afterwards).
pub const ATTACHMENT_TOKENS: usize = 1_600;

/// One part of a user message.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Image { format: ImageFormat, bytes: Vec<u8> },
    Document { format: DocumentFormat, name: String, bytes: Vec<u8> },
}

/// An earlier exchange of the chat.
#[derive(Clone, Debug, PartialEq)]
pub struct PastPair {
    pub user: Vec<Part>,
    /// The answer as stored (possibly partial, if generation failed).
    pub assistant: String,
    pub hidden: bool,
    /// The pair's tokens when already known (stored counts), so a long history is
    /// not counted again on every message.
    pub tokens: Option<usize>,
}

/// A knowledge item of the chat's project that is included in chat.
#[derive(Clone, Debug, PartialEq)]
pub struct Knowledge {
    pub title: String,
    pub content: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectContext {
    pub instructions: String,
    /// In a stable order (the caller sorts them).
    pub knowledge: Vec<Knowledge>,
}

pub struct PromptInput<'a> {
    pub chat_system_prompt: Option<&'a str>,
    pub project: Option<&'a ProjectContext>,
    /// The memory text exactly as `GET /memories/context` shows it.
    pub memories: Option<&'a str>,
    /// Oldest first.
    pub history: &'a [PastPair],
    pub new_message: &'a [Part],
    /// The model's context window and the room kept for its answer, in tokens.
    pub context_window: usize,
    pub max_output_tokens: usize,
}

pub struct Assembled {
    pub prompt: Prompt,
    /// Earlier visible pairs left out because the context window is full.
    pub dropped_pairs: usize,
    /// Input tokens of the assembled prompt: counted when pairs were dropped, otherwise an
    /// upper bound (see `assemble`).
    pub estimated_tokens: usize,
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The project block: instructions, then each knowledge item delimited by a tag
/// carrying its title.
pub fn project_block(project: &ProjectContext) -> Option<String> {
    let mut block = String::new();
    if !project.instructions.trim().is_empty() {
        block.push_str("<project_instructions>\n");
        block.push_str(project.instructions.trim());
        block.push_str("\n</project_instructions>");
    }
    if !project.knowledge.is_empty() {
        if !block.is_empty() {
            block.push_str("\n\n");
        }
        block.push_str("<project_knowledge>\n");
        for item in &project.knowledge {
            block.push_str(&format!(
                "<document title=\"{}\">\n{}\n</document>\n",
                escape_attribute(&item.title),
                item.content
            ));
        }
        block.push_str("</project_knowledge>");
    }
    (!block.is_empty()).then_some(block)
}

fn system_layers(input: &PromptInput) -> Vec<String> {
    let mut layers = vec![BUILT_IN_SYSTEM_PROMPT.to_string()];
    if let Some(own) = input.chat_system_prompt.map(str::trim).filter(|s| !s.is_empty()) {
        layers.push(own.to_string());
    }
    if let Some(block) = input.project.and_then(project_block) {
        layers.push(block);
    }
    if let Some(memories) = input.memories.map(str::trim).filter(|s| !s.is_empty()) {
        layers.push(format!("<user_memories>\nWhat you have learned about the user in earlier conversations:\n{memories}\n</user_memories>"));
    }
    layers
}

fn parts_tokens(parts: &[Part], count: &dyn Fn(&str) -> usize) -> usize {
    parts
        .iter()
        .map(|part| match part {
            Part::Text(text) => count(text),
            Part::Image { .. } | Part::Document { .. } => ATTACHMENT_TOKENS,
        })
        .sum()
}

fn user_message(parts: &[Part]) -> Message {
    let mut builder = Message::builder().role(ConversationRole::User);
    for part in parts {
        builder = builder.content(match part {
            Part::Text(text) => ContentBlock::Text(text.clone()),
            Part::Image { format, bytes } => ContentBlock::Image(
                ImageBlock::builder()
                    .format(format.clone())
                    .source(ImageSource::Bytes(Blob::new(bytes.clone())))
                    .build()
                    .expect("format and source are set"),
            ),
            Part::Document { format, name, bytes } => ContentBlock::Document(
                DocumentBlock::builder()
                    .format(format.clone())
                    .name(name.clone())
                    .source(DocumentSource::Bytes(Blob::new(bytes.clone())))
                    .build()
                    .expect("format, name and source are set"),
            ),
        });
    }
    builder.build().expect("role and content are set")
}

/// Assembles the prompt; `count` gives the exact tokens of a text.
///
/// What fits is first decided with `tokens::upper_bound` (a token is at least one byte of the
/// normalised text), which needs no tokenizer: when everything fits by that bound it
/// fits by the exact count too, and nothing is counted (so a message need not wait for the
/// tokenizer). Only near the limit are the texts counted exactly; the pairs kept are then the
/// same as if every text had been counted.
pub fn assemble(input: &PromptInput, count: &dyn Fn(&str) -> usize) -> Assembled {
    let system = system_layers(input);
    // Pairs the model may see: not hidden, and answered (roles must alternate).
    let visible: Vec<&PastPair> =
        input.history.iter().filter(|p| !p.hidden && !p.assistant.trim().is_empty()).collect();
    let bounded = fit(input, &system, &visible, &crate::tokens::upper_bound);
    let (kept_from, used) = if bounded.0 == 0 { bounded } else { fit(input, &system, &visible, count) };
    let mut messages = Vec::with_capacity((visible.len() - kept_from) * 2 + 1);
    for pair in &visible[kept_from..] {
        messages.push(user_message(&pair.user));
        messages.push(Prompt::assistant_text(&pair.assistant));
    }
    messages.push(user_message(input.new_message));
    Assembled {
        prompt: Prompt { system, messages, max_output_tokens: Some(input.max_output_tokens as i32) },
        dropped_pairs: kept_from,
        estimated_tokens: used,
    }
}

/// Which visible pairs fit (the newest ones, from the returned index on) and the tokens used
/// then, with `count` giving the tokens of a text.
fn fit(input: &PromptInput, system: &[String], visible: &[&PastPair], count: &dyn Fn(&str) -> usize) -> (usize, usize) {
    let fixed = system.iter().map(|s| count(s)).sum::<usize>() + parts_tokens(input.new_message, count);
    let budget = input.context_window.saturating_sub(input.max_output_tokens);
    let cost = |p: &PastPair| p.tokens.unwrap_or_else(|| parts_tokens(&p.user, count) + count(&p.assistant));
    // Keep the newest pairs that fit.
    let mut used = fixed;
    let mut kept_from = visible.len();
    while kept_from > 0 {
        let next = cost(visible[kept_from - 1]);
        if used + next > budget {
            break;
        }
        kept_from -= 1;
        used += next;
    }
    (kept_from, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One token a word: easy to reason about in tests.
    fn words(text: &str) -> usize {
        text.split_whitespace().count()
    }

    fn pair(user: &str, assistant: &str, hidden: bool) -> PastPair {
        PastPair { user: vec![Part::Text(user.into())], assistant: assistant.into(), hidden, tokens: None }
    }

    fn input<'a>(history: &'a [PastPair], new_message: &'a [Part]) -> PromptInput<'a> {
        PromptInput {
            chat_system_prompt: None,
            project: None,
            memories: None,
            history,
            new_message,
            context_window: 200_000,
            max_output_tokens: 8_192,
        }
    }

    fn texts(prompt: &Prompt) -> Vec<(String, String)> {
        prompt
            .messages
            .iter()
            .map(|m| {
                let text = m.content().iter().filter_map(|c| c.as_text().ok()).cloned().collect::<Vec<_>>().join("");
                (m.role().as_str().to_string(), text)
            })
            .collect()
    }

    #[test]
    fn system_layers_come_in_order() {
        let project = ProjectContext {
            instructions: "Use Rust 2021.".into(),
            knowledge: vec![
                Knowledge { title: "API \"notes\"".into(), content: "GET /health".into() },
                Knowledge { title: "Style".into(), content: "No unwrap.".into() },
            ],
        };
        let new = [Part::Text("hi".into())];
        let mut inp = input(&[], &new);
        inp.chat_system_prompt = Some("Answer like a pirate.");
        inp.project = Some(&project);
        inp.memories = Some("- Prefers Rust");
        let assembled = assemble(&inp, &words);
        let system = &assembled.prompt.system;
        assert_eq!(system.len(), 4);
        assert_eq!(system[0], BUILT_IN_SYSTEM_PROMPT);
        assert_eq!(system[1], "Answer like a pirate.");
        assert_eq!(
            system[2],
            "<project_instructions>\nUse Rust 2021.\n</project_instructions>\n\n<project_knowledge>\n\
             <document title=\"API &quot;notes&quot;\">\nGET /health\n</document>\n\
             <document title=\"Style\">\nNo unwrap.\n</document>\n</project_knowledge>"
        );
        assert!(system[3].contains("- Prefers Rust"));
    }

    #[test]
    fn without_extras_only_the_built_in_prompt() {
        let new = [Part::Text("hi".into())];
        let mut inp = input(&[], &new);
        inp.chat_system_prompt = Some("   ");
        let empty_project = ProjectContext::default();
        inp.project = Some(&empty_project);
        assert_eq!(assemble(&inp, &words).prompt.system, vec![BUILT_IN_SYSTEM_PROMPT.to_string()]);
    }

    #[test]
    fn history_in_order_without_hidden_or_unanswered_pairs() {
        let history = [
            pair("one", "first", false),
            pair("two", "second", true),
            pair("three", "", false),
            pair("four", "fourth", false),
        ];
        let new = [Part::Text("five".into())];
        let assembled = assemble(&input(&history, &new), &words);
        let expected: Vec<(String, String)> =
            [("user", "one"), ("assistant", "first"), ("user", "four"), ("assistant", "fourth"), ("user", "five")]
                .iter()
                .map(|(r, t)| (r.to_string(), t.to_string()))
                .collect();
        assert_eq!(texts(&assembled.prompt), expected);
        assert_eq!(assembled.dropped_pairs, 0);
    }

    #[test]
    fn the_oldest_pairs_go_first_when_the_window_is_full() {
        let history: Vec<PastPair> =
            (0..10).map(|i| pair(&format!("question {i} {}", "word ".repeat(40)), "answer a b c", false)).collect();
        let new = [Part::Text("the new question".into())];
        let mut inp = input(&history, &new);
        let system_tokens = words(BUILT_IN_SYSTEM_PROMPT);
        // Room for the system prompt, the new message, the answer reserve and 3 pairs.
        let pair_cost = 42 + 4;
        inp.max_output_tokens = 100;
        inp.context_window = system_tokens + 3 + 100 + 3 * pair_cost + 10;
        let assembled = assemble(&inp, &words);
        assert_eq!(assembled.dropped_pairs, 7);
        let kept = texts(&assembled.prompt);
        assert_eq!(kept.len(), 7);
        assert!(kept[0].1.starts_with("question 7 "), "{:?}", kept[0]);
        assert_eq!(kept.last().unwrap().1, "the new question");
        assert!(assembled.estimated_tokens <= inp.context_window - inp.max_output_tokens);
    }

    #[test]
    fn attachments_become_image_and_document_blocks() {
        let new = [
            Part::Text("compare".into()),
            Part::Image { format: ImageFormat::Png, bytes: vec![1, 2, 3] },
            Part::Document { format: DocumentFormat::Pdf, name: "spec".into(), bytes: vec![4] },
        ];
        let assembled = assemble(&input(&[], &new), &words);
        let content = assembled.prompt.messages[0].content();
        assert!(content[0].is_text());
        assert!(content[1].is_image());
        assert!(content[2].is_document());
        // Everything fits by the bound, so the estimate is the bound.
        assert_eq!(assembled.estimated_tokens, BUILT_IN_SYSTEM_PROMPT.len() + "compare".len() + 2 * ATTACHMENT_TOKENS);
    }

    #[test]
    fn nothing_is_counted_when_everything_fits_by_its_bytes() {
        let history: Vec<PastPair> = (0..20).map(|i| pair(&format!("question {i}"), "an answer", false)).collect();
        let new = [Part::Text("the new question".into())];
        let assembled = assemble(&input(&history, &new), &|_| panic!("counted although everything fits"));
        assert_eq!(assembled.dropped_pairs, 0);
        assert_eq!(texts(&assembled.prompt).len(), 41);
    }

    #[test]
    fn near_the_limit_the_exact_count_decides() {
        // 10 pairs of 44 words (~250 bytes) each: by their bytes only a few fit, by their words all.
        let history: Vec<PastPair> =
            (0..10).map(|i| pair(&format!("question {i} {}", "word ".repeat(40)), "answer a b c", false)).collect();
        let new = [Part::Text("the new question".into())];
        let mut inp = input(&history, &new);
        let fixed = words(BUILT_IN_SYSTEM_PROMPT) + 3;
        inp.max_output_tokens = 100;
        inp.context_window = fixed + 100 + 10 * 46;
        let counted = std::cell::Cell::new(0);
        let counting = |text: &str| {
            counted.set(counted.get() + 1);
            words(text)
        };
        let all = assemble(&inp, &counting);
        assert_eq!(all.dropped_pairs, 0, "every pair fits by the exact count");
        assert_eq!(all.estimated_tokens, fixed + 10 * 46);
        assert!(counted.get() > 0);
        // One token short: the oldest pair goes, as if everything had been counted.
        inp.context_window -= 1;
        let trimmed = assemble(&inp, &words);
        assert_eq!(trimmed.dropped_pairs, 1);
        assert_eq!(trimmed.estimated_tokens, fixed + 9 * 46);
    }

    #[test]
    fn stored_counts_are_used_as_they_are() {
        let mut old = pair(&"long question ".repeat(100), "long answer", false);
        old.tokens = Some(5);
        let new = [Part::Text("next".into())];
        let mut inp = input(std::slice::from_ref(&old), &new);
        inp.max_output_tokens = 100;
        inp.context_window = words(BUILT_IN_SYSTEM_PROMPT) + 1 + 100 + 5;
        let assembled = assemble(&inp, &words);
        assert_eq!(assembled.dropped_pairs, 0);
        inp.context_window -= 1;
        assert_eq!(assemble(&inp, &words).dropped_pairs, 1);
    }
}
