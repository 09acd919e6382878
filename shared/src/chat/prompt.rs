//! Prompt assembly: a pure function from everything a chat knows to what the model
//! is sent. In order, the model sees the built-in system prompt, the chat's own
//! system prompt, the project's instructions and knowledge, the user's memories,
//! every non-hidden earlier pair, and the new message with its attachments. When
//! that would not fit the context window, the oldest pairs are dropped first.

use crate::files::rules;
use crate::model::{Block, Role};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

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

/// An earlier exchange of the chat.
#[derive(Clone, Debug, PartialEq)]
pub struct PastPair {
    /// The user message's blocks as stored.
    pub user: Vec<Block>,
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
    /// The memory layer exactly as `GET /memories/context` shows it (`memory::context`).
    pub memories: Option<&'a str>,
    /// Oldest first.
    pub history: &'a [PastPair],
    pub new_message: &'a [Block],
    /// The model's context window and the room kept for its answer, in tokens.
    pub context_window: usize,
    pub max_output_tokens: usize,
}

/// Which part of the system prompt a layer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The assistant's standing instructions.
    BuiltIn,
    /// The chat's own system prompt.
    Chat,
    ProjectInstructions,
    ProjectKnowledge,
    /// The user's memories chosen for this message.
    Memories,
}

/// One block of the system prompt.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemLayer {
    pub layer: Layer,
    pub text: String,
}

/// A message of the request, as blocks: attachments the request cannot carry (past
/// Bedrock's limits) are already text naming them.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedMessage {
    pub role: Role,
    pub content: Vec<Block>,
}

/// The request to the model, before attachment bytes are read: what `/chat/preview`
/// shows, and what `attachments::render` turns into the model's request (where an
/// attachment whose file can no longer be read becomes the text that names it).
#[derive(Clone, Debug, PartialEq)]
pub struct Assembled {
    pub system: Vec<SystemLayer>,
    /// Earlier pairs (user, then assistant), then the new message.
    pub messages: Vec<PlannedMessage>,
    pub max_output_tokens: usize,
    /// Earlier visible pairs left out because the context window is full.
    pub dropped_pairs: usize,
    /// Input tokens of the assembled prompt: counted when pairs were dropped, otherwise an
    /// upper bound (see `assemble`).
    pub estimated_tokens: usize,
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The project's instructions layer.
pub fn instructions_layer(project: &ProjectContext) -> Option<String> {
    let instructions = project.instructions.trim();
    (!instructions.is_empty()).then(|| format!("<project_instructions>\n{instructions}\n</project_instructions>"))
}

/// The project's knowledge layer: each item delimited by a tag carrying its title.
pub fn knowledge_layer(project: &ProjectContext) -> Option<String> {
    if project.knowledge.is_empty() {
        return None;
    }
    let mut block = String::from("<project_knowledge>\n");
    for item in &project.knowledge {
        block.push_str(&format!(
            "<document title=\"{}\">\n{}\n</document>\n",
            escape_attribute(&item.title),
            item.content
        ));
    }
    block.push_str("</project_knowledge>");
    Some(block)
}

fn system_layers(input: &PromptInput) -> Vec<SystemLayer> {
    let layer = |layer, text: String| SystemLayer { layer, text };
    let mut layers = vec![layer(Layer::BuiltIn, BUILT_IN_SYSTEM_PROMPT.to_string())];
    if let Some(own) = input.chat_system_prompt.map(str::trim).filter(|s| !s.is_empty()) {
        layers.push(layer(Layer::Chat, own.to_string()));
    }
    if let Some(project) = input.project {
        layers.extend(instructions_layer(project).map(|text| layer(Layer::ProjectInstructions, text)));
        layers.extend(knowledge_layer(project).map(|text| layer(Layer::ProjectKnowledge, text)));
    }
    if let Some(memories) = input.memories.filter(|s| !s.trim().is_empty()) {
        layers.push(layer(Layer::Memories, memories.to_string()));
    }
    layers
}

/// The tokens of a message's blocks, `count` giving those of a text.
pub fn blocks_tokens(blocks: &[Block], count: &dyn Fn(&str) -> usize) -> usize {
    blocks
        .iter()
        .map(|block| match block {
            Block::Text { text } => count(text),
            Block::Image { .. } | Block::Document { .. } => ATTACHMENT_TOKENS,
        })
        .sum()
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
    let user = |content: &[Block]| PlannedMessage { role: Role::User, content: content.to_vec() };
    let mut messages = Vec::with_capacity((visible.len() - kept_from) * 2 + 1);
    for pair in &visible[kept_from..] {
        messages.push(user(&pair.user));
        messages.push(PlannedMessage {
            role: Role::Assistant,
            content: vec![Block::Text { text: pair.assistant.clone() }],
        });
    }
    messages.push(user(input.new_message));
    keep_within_limits(&mut messages);
    Assembled {
        system,
        messages,
        max_output_tokens: input.max_output_tokens,
        dropped_pairs: kept_from,
        estimated_tokens: used,
    }
}

/// Which visible pairs fit (the newest ones, from the returned index on) and the tokens used
/// then, with `count` giving the tokens of a text.
fn fit(
    input: &PromptInput,
    system: &[SystemLayer],
    visible: &[&PastPair],
    count: &dyn Fn(&str) -> usize,
) -> (usize, usize) {
    let fixed = system.iter().map(|s| count(&s.text)).sum::<usize>() + blocks_tokens(input.new_message, count);
    let budget = input.context_window.saturating_sub(input.max_output_tokens);
    let cost = |p: &PastPair| p.tokens.unwrap_or_else(|| blocks_tokens(&p.user, count) + count(&p.assistant));
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

/// Which files go into one request: the newest messages' first (`newest_first` starts
/// with the new message), within Bedrock's 20 images and 5 documents and a byte budget
/// that bounds the memory one request holds.
fn select<'a>(newest_first: impl Iterator<Item = &'a [Block]>) -> Vec<Uuid> {
    let (mut images, mut documents) = (rules::MAX_IMAGES_PER_MESSAGE, rules::MAX_DOCUMENTS_PER_MESSAGE);
    let mut bytes_left = rules::MAX_ATTACHMENT_BYTES_PER_REQUEST;
    let mut included = Vec::new();
    for blocks in newest_first {
        for block in blocks {
            let (budget, file_id, size) = match block {
                Block::Image { file_id, size, .. } => (&mut images, *file_id, *size),
                Block::Document { file_id, size, .. } => (&mut documents, *file_id, *size),
                Block::Text { .. } => continue,
            };
            if *budget > 0 && size <= bytes_left {
                *budget -= 1;
                bytes_left -= size;
                included.push(file_id);
            }
        }
    }
    included
}

/// What the model reads in place of an attachment the request does not carry.
pub fn not_included(block: &Block) -> String {
    match block {
        Block::Image { filename, .. } => format!("[An attached image, {filename}, is not included here.]"),
        Block::Document { filename, .. } => format!("[An attached document, {filename}, is not included here.]"),
        Block::Text { text } => text.clone(),
    }
}

/// Names in text the attachments one request cannot carry: the newest messages' files
/// are kept first (see `select`).
pub fn keep_within_limits(messages: &mut [PlannedMessage]) {
    let included: HashSet<Uuid> =
        select(messages.iter().rev().filter(|m| m.role == Role::User).map(|m| m.content.as_slice()))
            .into_iter()
            .collect();
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        let kept = match block {
            Block::Image { file_id, .. } | Block::Document { file_id, .. } => included.contains(file_id),
            Block::Text { .. } => true,
        };
        if !kept {
            *block = Block::Text { text: not_included(block) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One token a word: easy to reason about in tests.
    fn words(text: &str) -> usize {
        text.split_whitespace().count()
    }

    fn pair(user: &str, assistant: &str, hidden: bool) -> PastPair {
        PastPair { user: vec![Block::Text { text: user.into() }], assistant: assistant.into(), hidden, tokens: None }
    }

    fn input<'a>(history: &'a [PastPair], new_message: &'a [Block]) -> PromptInput<'a> {
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

    fn texts(assembled: &Assembled) -> Vec<(String, String)> {
        assembled
            .messages
            .iter()
            .map(|m| {
                let text = m
                    .content
                    .iter()
                    .filter_map(|c| match c {
                        Block::Text { text } => Some(text.as_str()),
                        _ => None,
                    })
                    .collect::<String>();
                let role = match m.role {
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                (role.to_string(), text)
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
        let new = [Block::Text { text: "hi".into() }];
        let mut inp = input(&[], &new);
        inp.chat_system_prompt = Some("Answer like a pirate.");
        inp.project = Some(&project);
        inp.memories = Some("<user_memories>\n- Prefers Rust\n</user_memories>");
        let assembled = assemble(&inp, &words);
        let system = &assembled.system;
        let layers: Vec<Layer> = system.iter().map(|l| l.layer).collect();
        assert_eq!(
            layers,
            [Layer::BuiltIn, Layer::Chat, Layer::ProjectInstructions, Layer::ProjectKnowledge, Layer::Memories]
        );
        assert_eq!(system[0].text, BUILT_IN_SYSTEM_PROMPT);
        assert_eq!(system[1].text, "Answer like a pirate.");
        assert_eq!(system[2].text, "<project_instructions>\nUse Rust 2021.\n</project_instructions>");
        assert_eq!(
            system[3].text,
            "<project_knowledge>\n\
             <document title=\"API &quot;notes&quot;\">\nGET /health\n</document>\n\
             <document title=\"Style\">\nNo unwrap.\n</document>\n</project_knowledge>"
        );
        assert_eq!(system[4].text, "<user_memories>\n- Prefers Rust\n</user_memories>", "used as given");
    }

    #[test]
    fn without_extras_only_the_built_in_prompt() {
        let new = [Block::Text { text: "hi".into() }];
        let mut inp = input(&[], &new);
        inp.chat_system_prompt = Some("   ");
        let empty_project = ProjectContext::default();
        inp.project = Some(&empty_project);
        let system = assemble(&inp, &words).system;
        assert_eq!(system, vec![SystemLayer { layer: Layer::BuiltIn, text: BUILT_IN_SYSTEM_PROMPT.to_string() }]);
    }

    #[test]
    fn history_in_order_without_hidden_or_unanswered_pairs() {
        let history = [
            pair("one", "first", false),
            pair("two", "second", true),
            pair("three", "", false),
            pair("four", "fourth", false),
        ];
        let new = [Block::Text { text: "five".into() }];
        let assembled = assemble(&input(&history, &new), &words);
        let expected: Vec<(String, String)> =
            [("user", "one"), ("assistant", "first"), ("user", "four"), ("assistant", "fourth"), ("user", "five")]
                .iter()
                .map(|(r, t)| (r.to_string(), t.to_string()))
                .collect();
        assert_eq!(texts(&assembled), expected);
        assert_eq!(assembled.dropped_pairs, 0);
    }

    #[test]
    fn the_oldest_pairs_go_first_when_the_window_is_full() {
        let history: Vec<PastPair> =
            (0..10).map(|i| pair(&format!("question {i} {}", "word ".repeat(40)), "answer a b c", false)).collect();
        let new = [Block::Text { text: "the new question".into() }];
        let mut inp = input(&history, &new);
        let system_tokens = words(BUILT_IN_SYSTEM_PROMPT);
        // Room for the system prompt, the new message, the answer reserve and 3 pairs.
        let pair_cost = 42 + 4;
        inp.max_output_tokens = 100;
        inp.context_window = system_tokens + 3 + 100 + 3 * pair_cost + 10;
        let assembled = assemble(&inp, &words);
        assert_eq!(assembled.dropped_pairs, 7);
        let kept = texts(&assembled);
        assert_eq!(kept.len(), 7);
        assert!(kept[0].1.starts_with("question 7 "), "{:?}", kept[0]);
        assert_eq!(kept.last().unwrap().1, "the new question");
        assert!(assembled.estimated_tokens <= inp.context_window - inp.max_output_tokens);
    }

    fn image(size: i64) -> Block {
        Block::Image { file_id: Uuid::now_v7(), filename: "a.png".into(), media_type: "image/png".into(), size }
    }

    #[test]
    fn attachments_stay_blocks_and_cost_a_fixed_amount() {
        let doc = Block::Document {
            file_id: Uuid::now_v7(),
            filename: "spec.pdf".into(),
            media_type: "application/pdf".into(),
            size: 10,
        };
        let new = [image(10), doc.clone(), Block::Text { text: "compare".into() }];
        let assembled = assemble(&input(&[], &new), &words);
        assert_eq!(assembled.messages[0].content, new.to_vec());
        // Everything fits by the bound, so the estimate is the bound.
        assert_eq!(assembled.estimated_tokens, BUILT_IN_SYSTEM_PROMPT.len() + "compare".len() + 2 * ATTACHMENT_TOKENS);
    }

    #[test]
    fn attachments_past_the_limits_are_named_in_text() {
        let older: Vec<Block> = (0..20).map(|_| image(10)).chain([Block::Text { text: "old".into() }]).collect();
        let history = [PastPair { user: older, assistant: "seen".into(), hidden: false, tokens: None }];
        let new = [image(10), Block::Text { text: "and this one?".into() }];
        let assembled = assemble(&input(&history, &new), &words);
        let images = |m: &PlannedMessage| m.content.iter().filter(|b| matches!(b, Block::Image { .. })).count();
        assert_eq!(images(&assembled.messages[2]), 1, "the new message's image first");
        assert_eq!(images(&assembled.messages[0]), 19, "then the newest older ones, 20 in all");
        assert_eq!(
            assembled.messages[0].content[19],
            Block::Text { text: "[An attached image, a.png, is not included here.]".into() },
            "the one past the 20th is named instead"
        );
    }

    #[test]
    fn nothing_is_counted_when_everything_fits_by_its_bytes() {
        let history: Vec<PastPair> = (0..20).map(|i| pair(&format!("question {i}"), "an answer", false)).collect();
        let new = [Block::Text { text: "the new question".into() }];
        let assembled = assemble(&input(&history, &new), &|_| panic!("counted although everything fits"));
        assert_eq!(assembled.dropped_pairs, 0);
        assert_eq!(texts(&assembled).len(), 41);
    }

    #[test]
    fn near_the_limit_the_exact_count_decides() {
        // 10 pairs of 44 words (~250 bytes) each: by their bytes only a few fit, by their words all.
        let history: Vec<PastPair> =
            (0..10).map(|i| pair(&format!("question {i} {}", "word ".repeat(40)), "answer a b c", false)).collect();
        let new = [Block::Text { text: "the new question".into() }];
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
        let new = [Block::Text { text: "next".into() }];
        let mut inp = input(std::slice::from_ref(&old), &new);
        inp.max_output_tokens = 100;
        inp.context_window = words(BUILT_IN_SYSTEM_PROMPT) + 1 + 100 + 5;
        let assembled = assemble(&inp, &words);
        assert_eq!(assembled.dropped_pairs, 0);
        inp.context_window -= 1;
        assert_eq!(assemble(&inp, &words).dropped_pairs, 1);
    }

    fn document(size: i64) -> Block {
        Block::Document {
            file_id: Uuid::now_v7(),
            filename: "a.pdf".into(),
            media_type: "application/pdf".into(),
            size,
        }
    }

    fn id(block: &Block) -> Uuid {
        match block {
            Block::Image { file_id, .. } | Block::Document { file_id, .. } => *file_id,
            Block::Text { .. } => unreachable!(),
        }
    }

    #[test]
    fn the_newest_attachments_win_within_counts_and_bytes() {
        let new: Vec<Block> = vec![image(1_000), document(1_000), Block::Text { text: "hi".into() }];
        let older: Vec<Block> = (0..25).map(|_| image(10)).chain((0..6).map(|_| document(10))).collect();
        let chosen = select([new.as_slice(), older.as_slice()].into_iter());
        assert_eq!(chosen[..2], [id(&new[0]), id(&new[1])], "the new message first");
        assert_eq!(chosen.len(), 20 + 5, "20 images and 5 documents in all");
        assert!(!chosen.contains(&id(&older[24])), "older images past the 20th are left out");

        let big = rules::MAX_ATTACHMENT_BYTES_PER_REQUEST / 2 + 1;
        let heavy: Vec<Block> = vec![image(big), image(big), image(10)];
        let chosen = select([heavy.as_slice()].into_iter());
        assert_eq!(chosen, [id(&heavy[0]), id(&heavy[2])], "the byte budget holds");
    }
}
