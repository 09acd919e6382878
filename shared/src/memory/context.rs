//! Which memories a prompt carries, and their text: the memory layer of the system
//! prompt. One pure function (`select`) serves the chat stream, `POST /chat/preview`
//! and `GET /memories/context`, so what those two show is byte for byte what the model
//! is given.
//!
//! Every active memory is a candidate. Each is scored by how many of its terms (summary
//! and tags, lower-cased, stopwords dropped, plural and -ing endings folded) occur in
//! the new message (full weight) and in the latest turns (half weight), normalised by
//! the memory's length, then weighted by its confidence and boosted when the user
//! verified it. A small base score, by the same weight, lets memories that share no
//! word with the message fill the room left (what the user is called, how they like
//! answers), always after the relevant ones. Memories are taken in score order while
//! their lines fit the token budget.

use super::words;
use crate::auth::TokenCaller;
use crate::error::{ApiError, ApiResult};
use crate::store::memories::{self, MemoryItem};
use crate::store::users::{self, UserItem};
use crate::Deps;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The memory layer's opening line, under the tag.
pub const HEADER: &str = "What you know about the user from earlier conversations. Use it where it makes \
the answer more useful to them; do not recite it, and do not mention how you know it unless asked.";

/// The memories chosen for one message and the layer text that carries them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryContext {
    /// The whole memory layer of the system prompt, or empty when no memory is chosen.
    pub text: String,
    /// The chosen memories, in the order the layer lists them.
    pub ids: Vec<Uuid>,
}

/// The tokens of the layer without any memory line (its tags and header), at most; a
/// unit test holds it to the tokenizer's count.
pub const LAYER_TOKENS: usize = 56;

/// How many of the latest turns (a user message and its answer each) count as recent.
pub const RECENT_TURNS: usize = 2;

const VERIFIED_BOOST: f64 = 1.5;
const RECENT_WEIGHT: f64 = 0.5;
const BASE_SCORE: f64 = 0.05;

fn memory_terms(memory: &MemoryItem) -> BTreeSet<String> {
    let mut all = words(&memory.summary);
    for tag in &memory.tags {
        all.extend(words(&tag.replace(['-', '_', '.'], " ")));
    }
    all
}

/// The memory's score for a message with these terms (see the module's comment).
fn score(memory: &MemoryItem, message: &BTreeSet<String>, recent: &BTreeSet<String>) -> f64 {
    let own = memory_terms(memory);
    let in_message = own.intersection(message).count() as f64;
    let in_recent = own.iter().filter(|t| !message.contains(*t) && recent.contains(*t)).count() as f64;
    let relevance = (in_message + RECENT_WEIGHT * in_recent) / (own.len().max(1) as f64).sqrt();
    let weight = memory.confidence.clamp(0.0, 1.0) * if memory.is_verified { VERIFIED_BOOST } else { 1.0 };
    (relevance + BASE_SCORE) * weight
}

/// The tokens a memory's line takes: as stored, or (for an item stored without a count)
/// an upper bound of it.
fn cost(memory: &MemoryItem) -> usize {
    match memory.token_count {
        n if n > 0 => n as usize,
        _ => crate::tokens::upper_bound(&super::prompt_line(memory)),
    }
}

/// The layer for these memory lines.
fn layer(lines: &[String]) -> String {
    format!("<user_memories>\n{HEADER}\n{}\n</user_memories>", lines.join("\n"))
}

/// Chooses the memories for a message (`recent`: the latest turns' texts, oldest first)
/// within `budget` tokens of memory lines, and writes their layer.
pub fn select(memories: &[MemoryItem], message: &str, recent: &[&str], budget: usize) -> MemoryContext {
    let message_terms = words(message);
    let recent_terms: BTreeSet<String> = recent.iter().flat_map(|text| words(text)).collect();
    let mut scored: Vec<(f64, &MemoryItem)> = memories
        .iter()
        .filter(|m| m.is_active && !m.summary.trim().is_empty())
        .map(|m| (score(m, &message_terms, &recent_terms), m))
        .collect();
    // Highest score first; among equals the most recently updated, then the newest id, so
    // the choice is the same on every call.
    scored.sort_by(|(a, x), (b, y)| {
        b.total_cmp(a).then_with(|| y.updated_at.cmp(&x.updated_at)).then_with(|| y.id.cmp(&x.id))
    });
    // The budget holds the whole layer: its tag and header too.
    let mut left = budget.saturating_sub(LAYER_TOKENS);
    let mut lines = Vec::new();
    let mut ids = Vec::new();
    for (_, memory) in scored {
        // Each line also takes its line break.
        let needed = cost(memory) + 1;
        if needed > left {
            continue;
        }
        left -= needed;
        lines.push(super::prompt_line(memory));
        ids.push(memory.id);
    }
    if lines.is_empty() {
        return MemoryContext::default();
    }
    MemoryContext { text: layer(&lines), ids }
}

/// The caller's profile (read while the session is checked) and then their active
/// memories, as of that profile: kept by the container from an earlier message unless
/// they changed since (see `store::memories::active_at`); none when memory is off.
pub async fn caller_memories(deps: &Deps, caller: &TokenCaller) -> ApiResult<(UserItem, Arc<[MemoryItem]>)> {
    let owner = caller.user_id;
    let (_session, user) =
        tokio::try_join!(caller.verify_session(deps), async { Ok(users::get(&deps.table, owner).await?) })?;
    let user = user.ok_or_else(ApiError::unauthenticated)?;
    if !user.memory_enabled {
        return Ok((user, Arc::from([])));
    }
    let memories = memories::active_at(&deps.table, &deps.active_memories, owner, user.memories_rev).await?;
    Ok((user, memories))
}

/// The memories a message gets (`recent`: the latest turns' texts, oldest first):
/// nothing when the user turned memory off.
pub fn for_message(
    deps: &Deps,
    user: &UserItem,
    memories: &[MemoryItem],
    message: &str,
    recent: &[&str],
) -> MemoryContext {
    if !user.memory_enabled {
        return MemoryContext::default();
    }
    select(memories, message, recent, deps.config.memory.token_budget)
}

/// The longest `q` of `GET /memories/context`: it travels in the URL (API Gateway and
/// the HTTP server limit its length), so long messages go to `POST /chat/preview`.
pub const MAX_QUERY_CHARS: usize = 2_000;

/// The query of `GET /memories/context`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContextQuery {
    /// The message (as the first of a new chat); without it, the memories any message gets
    /// first. At most 2,000 characters (a URL's worth); `POST /chat/preview` takes any message
    #[param(max_length = 2000)]
    pub q: Option<String>,
}

/// `GET /memories/context`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContextBody {
    /// Exactly the memory layer of the system prompt the model is given for this message
    /// (empty when no memory is chosen, or memory is off).
    pub context: String,
    /// The memories in it, in its order.
    pub memory_ids: Vec<Uuid>,
}

/// Answers `GET /memories/context`: what the chat stream would put in the prompt for `q`
/// as the first message of a new chat.
pub async fn for_query(deps: &Deps, caller: &TokenCaller, query: ContextQuery) -> ApiResult<ContextBody> {
    let q = query.q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        let mut v = crate::domain::Validator::default();
        v.add("q", format!("Ensure this field has no more than {MAX_QUERY_CHARS} characters."));
        v.finish()?;
    }
    let (user, memories) = caller_memories(deps, caller).await?;
    let chosen = for_message(deps, &user, &memories, &q, &[]);
    Ok(ContextBody { context: chosen.text, memory_ids: chosen.ids })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemoryCategory;
    use time::OffsetDateTime;

    fn memory(summary: &str, confidence: f64, verified: bool, tags: &[&str]) -> MemoryItem {
        let mut m = MemoryItem::new(
            Uuid::now_v7(),
            summary.into(),
            MemoryCategory::Preference,
            confidence,
            verified,
            OffsetDateTime::UNIX_EPOCH,
        );
        m.tags = tags.iter().map(|t| t.to_string()).collect();
        m.token_count = summary.split_whitespace().count() as i64 + 3;
        m
    }

    #[test]
    fn words_fold_endings_and_drop_stopwords() {
        let t = words("The user is testing Rust libraries, and writes C++ tests!");
        for expected in ["test", "rust", "library", "write", "c++"] {
            assert!(t.contains(expected), "{expected} in {t:?}");
        }
        assert!(!t.contains("the") && !t.contains("and") && !t.contains("is"));
    }

    #[test]
    fn the_most_relevant_come_first_and_inactive_never() {
        let rust = memory("Writes backend services in Rust", 0.8, false, &["rust"]);
        let cats = memory("Has two cats named Miso and Tofu", 0.9, false, &["pets"]);
        let mut gone = memory("Uses Rust nightly for everything", 1.0, true, &["rust"]);
        gone.is_active = false;
        let chosen =
            select(&[cats.clone(), gone.clone(), rust.clone()], "How do I structure a Rust service?", &[], 2_000);
        assert_eq!(chosen.ids, [rust.id, cats.id], "relevant first, the rest after, inactive never");
        assert!(chosen.text.starts_with("<user_memories>\n"));
        assert!(chosen.text.contains("- [preference] Writes backend services in Rust\n- [preference] Has two cats"));
        assert!(!chosen.text.contains("nightly"));
    }

    #[test]
    fn recent_turns_count_half_and_verification_and_confidence_boost() {
        let go = memory("Deploys with Kubernetes", 0.7, false, &[]);
        let docker = memory("Builds Docker images", 0.7, false, &[]);
        let chosen =
            select(&[docker.clone(), go.clone()], "what about the images?", &["we talked about kubernetes"], 2_000);
        assert_eq!(chosen.ids, [docker.id, go.id], "the message outweighs the recent turns");
        let chosen = select(&[docker.clone(), go.clone()], "and then?", &["kubernetes"], 2_000);
        assert_eq!(chosen.ids[0], go.id, "the recent turns still count");

        let unsure = memory("Likes Python", 0.6, false, &[]);
        let verified = memory("Likes Python typing", 0.9, true, &[]);
        let chosen = select(&[unsure.clone(), verified.clone()], "python", &[], 2_000);
        assert_eq!(chosen.ids, [verified.id, unsure.id]);
    }

    #[test]
    fn the_budget_holds_and_smaller_memories_fill_the_room() {
        let big = memory(&"long ".repeat(40), 1.0, true, &["long"]);
        let small = memory("Short one", 0.6, false, &[]);
        // big costs 43 + 1, small 5 + 1, on top of the layer's own tokens.
        let chosen = select(&[big.clone(), small.clone()], "long", &[], LAYER_TOKENS + 40);
        assert_eq!(chosen.ids, [small.id], "the big one does not fit; the small one does");
        let chosen = select(&[big.clone(), small.clone()], "long", &[], LAYER_TOKENS + 50);
        assert_eq!(chosen.ids, [big.id, small.id]);
        assert_eq!(select(&[big], "long", &[], LAYER_TOKENS), MemoryContext::default());
        assert_eq!(select(&[], "anything", &[], 2_000), MemoryContext::default());
    }

    #[test]
    fn the_layer_costs_what_the_budget_keeps_for_it() {
        let empty = layer(&[String::new()]);
        let counted = crate::tokens::count(&empty) as usize;
        assert!(counted <= LAYER_TOKENS && counted + 8 >= LAYER_TOKENS, "the layer takes {counted} tokens");
    }

    #[test]
    fn the_same_input_gives_the_same_text() {
        let memories: Vec<MemoryItem> = (0..30).map(|i| memory(&format!("Fact number {i}"), 0.8, false, &[])).collect();
        let a = select(&memories, "fact", &[], 2_000);
        let b = select(&memories, "fact", &[], 2_000);
        assert_eq!(a, b);
        assert_eq!(a.ids.len(), 30);
    }
}
