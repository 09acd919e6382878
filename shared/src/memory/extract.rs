//! Learning memories from chats, in the background: after an answer the chat is marked
//! and a job queued (debounced: an automatic job that a later answer superseded does
//! nothing); the job gives the small model the pairs since the chat's last extraction
//! with an instruction to list durable facts about the user as JSON, parses the reply
//! strictly, and merges the candidates into the user's memories: near-duplicates raise
//! an existing memory's confidence instead of adding one, and what the user deleted
//! (a tombstone of this chat) is never learned again from it.

use super::{tag_name, words, MAX_RAW_CONTENT_CHARS, MAX_SUMMARY_CHARS, MAX_TAGS};
use crate::error::{ApiError, ApiResult};
use crate::llm::{self, Prompt};
use crate::model::{Block, MemoryCategory, PairStatus};
use crate::queue::{self, JobKind};
use crate::store::memories::{self, MemoryItem, TombstoneItem, MAX_OTHER_CHATS};
use crate::store::pairs::{self, PairItem};
use crate::store::users::UserItem;
use crate::store::{self, chats, users, StoreError};
use crate::Deps;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use uuid::Uuid;

/// A phrase of the instruction that no chat prompt holds (the tests' stub scripts
/// match on it).
pub const INSTRUCTION_PHRASE: &str = "You keep the long-term notebook";

/// What the small model is told (the conversation follows as the user message).
pub const INSTRUCTIONS: &str = r#"You keep the long-term notebook an AI assistant has about the person it talks to. The message below is part of a conversation between that person (the user) and the assistant. Note only durable facts about the USER that would still help in a different conversation weeks from now: who they are, their work, their lasting preferences, their ongoing projects, their skills and their goals.

Leave out: anything about the assistant; general knowledge and facts about the world; details that matter only for the task at hand (a one-off question, code being debugged, a text being drafted); anything the user did not state or clearly imply; secrets such as passwords or keys.

Reply with a JSON array and nothing else (no prose, no code fence). Each element is an object with these fields:
- "summary": one short sentence about the user, such as "Prefers Rust for backend services";
- "category": one of "personal", "professional", "preference", "project", "skill", "goal", "other";
- "confidence": a number from 0 to 1, how sure you are that the fact is true and lasting;
- "tags": up to 5 short lower-case topic words;
- "raw_content": the user's own words the fact comes from.
Reply [] when there is nothing worth remembering."#;

/// The most characters of conversation the model is given (the newest pairs are kept).
pub const MAX_CONVERSATION_CHARS: usize = 24_000;
/// The most characters of one user message, and of one answer, in the conversation.
const MAX_USER_CHARS: usize = 6_000;
const MAX_ASSISTANT_CHARS: usize = 2_000;
/// How long one extraction may hold the user's lease (far beyond one model call).
const EXTRACTION_LEASE: Duration = Duration::from_secs(300);
/// The reply's length cap: candidates are short.
const MAX_OUTPUT_TOKENS: i32 = 2_048;

/// Confidence a learned (unverified) memory never reaches: 1.0 is for what the user
/// wrote or confirmed.
pub const MAX_LEARNED_CONFIDENCE: f64 = 0.95;
/// Summaries this similar are the same fact.
pub const DUPLICATE_SIMILARITY: f64 = 0.7;
/// Summaries this similar that share a tag are the same fact.
pub const RELATED_SIMILARITY: f64 = 0.55;
/// The most source pairs a memory keeps (the newest).
pub const MAX_SOURCE_PAIRS: usize = 50;

// ---------------------------------------------------------------------------------
// Queueing

/// After a completed answer in `chat_id`: marks the chat as due for extraction and
/// queues an automatic job, delayed by `config.memory.extraction_delay`, so that a
/// quick exchange makes one extraction (each answer's job supersedes the earlier
/// ones). Nothing is queued when the chat is gone. The stream calls it only when the
/// user has memory on, and the worker checks again (it may be turned off meanwhile).
pub async fn queue_after_answer(deps: &Deps, owner: Uuid, chat_id: Uuid) -> ApiResult<()> {
    queue_job(deps, owner, chat_id, false).await.map(|_| ())
}

/// `POST /chats/{id}/extract-memories`: queues a manual extraction of the whole chat,
/// to run at once. 404 for a chat the caller does not have; 409 `memory_disabled`
/// when the caller turned memory off.
pub async fn request(deps: &Deps, caller: &UserItem, chat_id: Uuid) -> ApiResult<()> {
    if !caller.memory_enabled {
        chats::get(&deps.table, caller.id, chat_id).await?.ok_or_else(ApiError::not_found)?;
        return Err(ApiError::conflict("memory_disabled", "Memory is turned off for this account."));
    }
    if queue_job(deps, caller.id, chat_id, true).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Marks the chat and queues the job; `false` when the chat is gone.
async fn queue_job(deps: &Deps, owner: Uuid, chat_id: Uuid, manual: bool) -> ApiResult<bool> {
    let requested_at = store::millis(deps.clock.now());
    if !chats::request_memories(&deps.table, owner, chat_id, requested_at).await? {
        return Ok(false);
    }
    let delay = if manual { Duration::ZERO } else { deps.config.memory.extraction_delay };
    let job = JobKind::ExtractMemories { user_id: owner, chat_id, requested_at, manual };
    queue::enqueue_after(deps, job, delay).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------
// The job

/// What an extraction job did.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The account is gone or has memory off.
    MemoryOff,
    ChatGone,
    /// A later answer queued a newer job.
    Superseded,
    /// No new pair to learn from.
    NothingNew,
    /// The model's reply was not the JSON asked for: nothing learned, not retried.
    InvalidReply,
    Learned {
        created: usize,
        merged: usize,
        dropped: usize,
    },
}

/// Runs one extraction job for `owner`'s chat.
pub async fn run(deps: &Deps, owner: Uuid, chat_id: Uuid, requested_at: i64, manual: bool) -> ApiResult<Outcome> {
    let (user, chat) = tokio::try_join!(users::get(&deps.table, owner), chats::get(&deps.table, owner, chat_id))?;
    if !user.is_some_and(|user| user.memory_enabled) {
        return Ok(Outcome::MemoryOff);
    }
    let Some(chat) = chat else { return Ok(Outcome::ChatGone) };
    if !manual && chat.memory_requested_at.is_some_and(|marked| marked > requested_at) {
        return Ok(Outcome::Superseded);
    }
    // One extraction at a time per user: two at once would plan against the same
    // memories and both add a fact. A busy lease fails the job, and the queue retries it.
    let holder = Uuid::now_v7();
    match memories::lease_extraction(&deps.table, owner, holder, deps.clock.now(), EXTRACTION_LEASE).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::conflict("extraction_busy", "Another memory extraction of this user is running."))
        }
        Err(StoreError::ConditionFailed(store::Condition::OwnerGone)) => return Ok(Outcome::MemoryOff),
        Err(err) => return Err(err.into()),
    }
    let outcome = extract(deps, owner, chat_id, manual).await;
    if let Err(err) = memories::release_extraction(&deps.table, owner, holder).await {
        tracing::warn!(%chat_id, code = ApiError::from(err).code, "could not release the extraction lease; it expires");
    }
    outcome
}

/// The extraction itself, under the user's lease.
async fn extract(deps: &Deps, owner: Uuid, chat_id: Uuid, manual: bool) -> ApiResult<Outcome> {
    // Read again under the lease: an extraction that held it may have moved the mark.
    let Some(chat) = chats::get(&deps.table, owner, chat_id).await? else { return Ok(Outcome::ChatGone) };
    let after = if manual { None } else { chat.memories_extracted_through };
    let (new_pairs, tombstones, existing) = tokio::try_join!(
        pairs::since(&deps.table, owner, chat_id, after),
        memories::tombstones(&deps.table, owner, chat_id),
        memories::all(&deps.table, owner),
    )?;
    let pending = pending(&new_pairs, |pair| !pair.is_abandoned(deps.clock.now(), deps.config.stream_max_duration));
    let finish = move |through: Option<Uuid>| async move {
        chats::memories_extracted(&deps.table, owner, chat_id, through, deps.clock.now()).await
    };
    if pending.pairs.is_empty() {
        finish(pending.through).await?;
        return Ok(Outcome::NothingNew);
    }
    let conversation = render(&pending.pairs);

    let prompt = Prompt {
        system: vec![INSTRUCTIONS.to_string()],
        messages: vec![Prompt::user_text(&conversation.text)],
        max_output_tokens: Some(MAX_OUTPUT_TOKENS),
    };
    let (reply, model, usage) = llm::complete(deps, &deps.config.models.small_chain(), prompt).await?;
    // What the small model used counts like an answer's tokens: the user's day and the chat.
    store::usage::record(&deps.table, owner, Some(chat_id), &model, usage, deps.clock.now().date()).await?;

    let parsed = match parse(&reply) {
        Ok(parsed) => parsed,
        Err(InvalidReply(problem)) => {
            let excerpt: String = reply.chars().take(200).collect();
            tracing::warn!(%chat_id, %model, problem, excerpt, "the model's memory candidates are not valid JSON; nothing learned");
            finish(pending.through).await?;
            return Ok(Outcome::InvalidReply);
        }
    };
    for (index, reason) in &parsed.skipped {
        tracing::warn!(%chat_id, index, reason, "a memory candidate was skipped");
    }
    let plan = plan(parsed.candidates, &existing, &tombstones, deps.config.memory.min_confidence);
    let dropped = plan.low_confidence + plan.tombstoned + parsed.skipped.len();
    let sources = Sources { chat_id, pair_ids: &conversation.pair_ids };
    let (created, merged) = match apply(deps, owner, &plan, &existing, &sources).await {
        Ok(counts) => counts,
        // The account is going: nothing more is written under it.
        Err(StoreError::ConditionFailed(store::Condition::OwnerGone)) => return Ok(Outcome::MemoryOff),
        Err(err) => return Err(err.into()),
    };
    finish(pending.through).await?;
    Ok(Outcome::Learned { created, merged, dropped })
}

/// Where the memories of one extraction come from.
pub struct Sources<'a> {
    pub chat_id: Uuid,
    /// The pairs the model was given.
    pub pair_ids: &'a [Uuid],
}

/// Stores the plan: new memories, and merges into existing ones (read again and
/// redone when the memory changed meanwhile). Returns how many were created and merged.
async fn apply(
    deps: &Deps,
    owner: Uuid,
    plan: &Plan,
    existing: &[MemoryItem],
    sources: &Sources<'_>,
) -> Result<(usize, usize), StoreError> {
    let now = deps.clock.now();
    let mut created = 0;
    for candidate in &plan.create {
        let mut memory = MemoryItem::new(
            owner,
            candidate.summary.clone(),
            candidate.category,
            candidate.confidence.min(MAX_LEARNED_CONFIDENCE),
            false,
            now,
        );
        memory.raw_content = candidate.raw_content.clone();
        memory.tags = candidate.tags.clone();
        memory.source_chat_id = Some(sources.chat_id);
        memory.source_pair_ids = sources.pair_ids.iter().rev().take(MAX_SOURCE_PAIRS).rev().copied().collect();
        memory.token_count = super::count_line(&memory).await;
        memories::create(&deps.table, &memory).await?;
        created += 1;
    }
    let mut merged = 0;
    for merge in &plan.merge {
        let Some(memory) = existing.iter().find(|m| m.id == merge.memory_id).cloned() else { continue };
        let apply = |m: &mut MemoryItem| *m = merged_memory(m, merge, sources);
        match super::change(&deps.table, owner, merge.memory_id, Some(memory), now, apply).await {
            Ok(super::Changed::Stored(_) | super::Changed::Unchanged(_)) => merged += 1,
            // Deleted meanwhile: the user's word stands.
            Ok(super::Changed::Gone) => {}
            // It kept changing under the user's edits: this evidence is let go.
            Err(StoreError::Conflict(_)) => {
                tracing::info!(memory_id = %merge.memory_id, "a memory kept changing; not merged")
            }
            Err(err) => return Err(err),
        }
    }
    Ok((created, merged))
}

/// `memory` with a merge applied: confidence raised, tags joined, this chat's pairs
/// added to its sources (another chat is remembered in `also_learned_in`, so deleting
/// the memory tombstones it there too). Whether it is active or verified never changes.
pub fn merged_memory(memory: &MemoryItem, merge: &Merge, sources: &Sources<'_>) -> MemoryItem {
    let mut updated = memory.clone();
    // Pairs it was already learned from are no new evidence (a manual re-extraction, or a
    // job run again): the confidence rises only for what they did not say.
    let known = memory.source_chat_id == Some(sources.chat_id)
        && sources.pair_ids.iter().all(|id| memory.source_pair_ids.contains(id));
    if !known {
        updated.confidence = raised_confidence(memory.confidence, merge.confidence, memory.is_verified);
    }
    updated.tags = join_tags(&memory.tags, &merge.tags);
    let elsewhere = memory.source_chat_id != Some(sources.chat_id);
    if elsewhere && !memory.also_learned_in.contains(&sources.chat_id) && memory.also_learned_in.len() < MAX_OTHER_CHATS
    {
        updated.also_learned_in.push(sources.chat_id);
    }
    if memory.source_chat_id == Some(sources.chat_id) {
        let mut ids = memory.source_pair_ids.clone();
        ids.extend(sources.pair_ids.iter().filter(|id| !memory.source_pair_ids.contains(id)));
        let skip = ids.len().saturating_sub(MAX_SOURCE_PAIRS);
        updated.source_pair_ids = ids.into_iter().skip(skip).collect();
    }
    updated
}

// ---------------------------------------------------------------------------------
// The conversation

/// The pairs one extraction learns from, and how far it reads.
#[derive(Debug)]
pub struct Pending<'a> {
    /// Answered, visible pairs, oldest first.
    pub pairs: Vec<&'a PairItem>,
    /// The last pair read (to record on the chat): every pair before the first one
    /// still being written; `None` when there is none.
    pub through: Option<Uuid>,
}

/// Of the chat's pairs since its last extraction (oldest first), those the model is
/// given: complete and not hidden. Reading stops at the first pair whose answer
/// `still_writing` (its own answer queues the next extraction).
pub fn pending(pairs: &[PairItem], still_writing: impl Fn(&PairItem) -> bool) -> Pending<'_> {
    let mut pending = Pending { pairs: Vec::new(), through: None };
    for pair in pairs {
        if pair.status == PairStatus::Generating && still_writing(pair) {
            break;
        }
        pending.through = Some(pair.id);
        if pair.status == PairStatus::Complete && pair.is_visible() {
            pending.pairs.push(pair);
        }
    }
    pending
}

/// What the model is given.
#[derive(Debug, PartialEq)]
pub struct Conversation {
    pub text: String,
    /// The pairs in it, oldest first.
    pub pair_ids: Vec<Uuid>,
    /// Older pairs left out to stay within [`MAX_CONVERSATION_CHARS`].
    pub left_out: usize,
}

/// The first `max` characters of `text`, with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
        None => text.to_string(),
    }
}

/// One exchange as the model reads it; attachments are named, not included.
fn render_pair(pair: &PairItem) -> String {
    let mut user = Vec::new();
    for block in &pair.user_content {
        match block {
            Block::Text { text } => user.push(clip(text, MAX_USER_CHARS)),
            Block::Image { filename, .. } => user.push(format!("[attached image: {filename}]")),
            Block::Document { filename, .. } => user.push(format!("[attached document: {filename}]")),
        }
    }
    format!("User: {}\n\nAssistant: {}", user.join("\n"), clip(&pair.assistant_text, MAX_ASSISTANT_CHARS))
}

/// The pairs as one text, newest kept when they do not all fit.
pub fn render(pairs: &[&PairItem]) -> Conversation {
    let mut blocks = Vec::new();
    let mut chars = 0;
    for pair in pairs.iter().rev() {
        let block = render_pair(pair);
        let size = block.chars().count() + 2;
        if !blocks.is_empty() && chars + size > MAX_CONVERSATION_CHARS {
            break;
        }
        chars += size;
        blocks.push((pair.id, block));
    }
    blocks.reverse();
    let left_out = pairs.len() - blocks.len();
    let mut text = String::new();
    if left_out > 0 {
        text.push_str(&format!("[{left_out} earlier exchanges are left out.]\n\n"));
    }
    text.push_str(&blocks.iter().map(|(_, block)| block.as_str()).collect::<Vec<_>>().join("\n\n---\n\n"));
    Conversation { text, pair_ids: blocks.into_iter().map(|(id, _)| id).collect(), left_out }
}

// ---------------------------------------------------------------------------------
// The reply

/// A memory the model proposes, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub summary: String,
    pub category: MemoryCategory,
    pub confidence: f64,
    /// Normalised, distinct, at most [`MAX_TAGS`].
    pub tags: Vec<String>,
    pub raw_content: Option<String>,
}

/// The reply's candidates.
#[derive(Debug, PartialEq)]
pub struct Parsed {
    pub candidates: Vec<Candidate>,
    /// The candidates left out, by their index in the reply, and why.
    pub skipped: Vec<(usize, String)>,
}

/// A reply that is not the JSON asked for.
#[derive(Debug, PartialEq)]
pub struct InvalidReply(pub String);

/// The reply without one enclosing code fence (```` ``` ```` or ```` ```json ````).
fn unfence(reply: &str) -> &str {
    let trimmed = reply.trim();
    let Some(rest) = trimmed.strip_prefix("```") else { return trimmed };
    let Some((info, body)) = rest.split_once('\n') else { return trimmed };
    let info = info.trim();
    if !(info.is_empty() || info.eq_ignore_ascii_case("json")) {
        return trimmed;
    }
    match body.trim_end().strip_suffix("```") {
        Some(inner) if !inner.contains("```") => inner.trim(),
        _ => trimmed,
    }
}

/// Parses the model's reply strictly: the whole reply must be a JSON array of
/// candidates, or an object `{"memories": [...]}`, optionally inside one code fence.
/// Each candidate is checked on its own; a bad one is skipped (and said why), the
/// others are kept.
pub fn parse(reply: &str) -> Result<Parsed, InvalidReply> {
    let value: Value = serde_json::from_str(unfence(reply)).map_err(|err| InvalidReply(err.to_string()))?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) if object.len() == 1 => match object.remove("memories") {
            Some(Value::Array(items)) => items,
            _ => return Err(InvalidReply("expected {\"memories\": [...]}".into())),
        },
        _ => return Err(InvalidReply("expected a JSON array of candidates".into())),
    };
    let mut parsed = Parsed { candidates: Vec::new(), skipped: Vec::new() };
    for (index, item) in items.iter().enumerate() {
        match candidate(item) {
            Ok(candidate) => parsed.candidates.push(candidate),
            Err(reason) => parsed.skipped.push((index, reason)),
        }
    }
    Ok(parsed)
}

fn candidate(item: &Value) -> Result<Candidate, String> {
    let object = item.as_object().ok_or("not an object")?;
    let summary = object.get("summary").and_then(Value::as_str).ok_or("no summary text")?.trim();
    if summary.is_empty() {
        return Err("a blank summary".into());
    }
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(format!("a summary over {MAX_SUMMARY_CHARS} characters"));
    }
    let category = object.get("category").and_then(Value::as_str).ok_or("no category")?.trim().to_lowercase();
    let category = MemoryCategory::ALL
        .into_iter()
        .find(|known| known.as_str() == category)
        .ok_or_else(|| format!("an unknown category {category:?}"))?;
    let confidence = object.get("confidence").and_then(Value::as_f64).ok_or("no numeric confidence")?;
    if !(0.0..=1.0).contains(&confidence) {
        return Err(format!("a confidence of {confidence}, not from 0 to 1"));
    }
    let tags = match object.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(raw)) => {
            let mut tags: Vec<String> = Vec::new();
            for tag in raw {
                let name = tag.as_str().ok_or("a tag that is not text")?;
                // A tag that cannot be one (blank, too long, odd characters) is left off.
                if let Ok(name) = tag_name(name) {
                    if !tags.contains(&name) && tags.len() < MAX_TAGS {
                        tags.push(name);
                    }
                }
            }
            tags
        }
        Some(_) => return Err("tags that are not a list".into()),
    };
    let raw_content = match object.get("raw_content") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => Some(clip(raw, MAX_RAW_CONTENT_CHARS)).filter(|raw| !raw.is_empty()),
        Some(_) => return Err("raw_content that is not text".into()),
    };
    Ok(Candidate { summary: summary.to_string(), category, confidence, tags, raw_content })
}

// ---------------------------------------------------------------------------------
// Similarity and the merge plan

/// Dice coefficient of two word sets (0 when both are empty).
fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f64 / (a.len() + b.len()) as f64
}

/// How alike two summaries are, 0 to 1 (normalised words, Dice coefficient).
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&words(a), &words(b))
}

/// A summary and its tags, ready to compare.
struct Fact {
    words: BTreeSet<String>,
    tags: BTreeSet<String>,
}

impl Fact {
    fn new(summary: &str, tags: &[String]) -> Self {
        Self { words: words(summary), tags: tags.iter().cloned().collect() }
    }

    /// Its similarity to `other` if they state the same fact: very alike, or alike and
    /// sharing a tag.
    fn same_as(&self, other: &Fact) -> Option<f64> {
        let score = dice(&self.words, &other.words);
        let shares_tag = self.tags.intersection(&other.tags).next().is_some();
        (score >= DUPLICATE_SIMILARITY || (shares_tag && score >= RELATED_SIMILARITY)).then_some(score)
    }
}

/// Whether two memories (summary and tags) state the same fact.
pub fn near_duplicate(a: &str, a_tags: &[String], b: &str, b_tags: &[String]) -> bool {
    Fact::new(a, a_tags).same_as(&Fact::new(b, b_tags)).is_some()
}

/// Evidence that two sources give for the same fact: 1 − (1 − a)(1 − b).
fn noisy_or(a: f64, b: f64) -> f64 {
    1.0 - (1.0 - a) * (1.0 - b)
}

/// An existing memory's confidence raised by more evidence (`evidence`): never lowered,
/// and a learned memory stays below [`MAX_LEARNED_CONFIDENCE`].
pub fn raised_confidence(current: f64, evidence: f64, verified: bool) -> f64 {
    let cap = if verified { 1.0 } else { MAX_LEARNED_CONFIDENCE };
    current.max(noisy_or(current, evidence).min(cap))
}

/// `existing` then the new tags, distinct, at most [`MAX_TAGS`].
fn join_tags(existing: &[String], new: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in existing.iter().chain(new) {
        if !tags.contains(tag) && tags.len() < MAX_TAGS {
            tags.push(tag.clone());
        }
    }
    tags
}

/// More evidence for an existing memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Merge {
    pub memory_id: Uuid,
    /// The candidates' confidence, combined.
    pub confidence: f64,
    /// Their tags.
    pub tags: Vec<String>,
}

/// What one extraction does to the user's memories.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub create: Vec<Candidate>,
    pub merge: Vec<Merge>,
    /// Candidates below the confidence threshold.
    pub low_confidence: usize,
    /// Candidates the user deleted before (a tombstone of this chat).
    pub tombstoned: usize,
}

/// Decides what becomes of each candidate: dropped when less confident than
/// `min_confidence` or the same fact as a memory the user deleted from this chat;
/// merged into the most similar existing memory (active or not) that states the same
/// fact; merged into an earlier candidate of the same fact; created otherwise.
pub fn plan(
    candidates: Vec<Candidate>,
    existing: &[MemoryItem],
    tombstones: &[TombstoneItem],
    min_confidence: f64,
) -> Plan {
    let known: Vec<(Uuid, Fact)> = existing.iter().map(|m| (m.id, Fact::new(&m.summary, &m.tags))).collect();
    let deleted: Vec<Fact> = tombstones.iter().map(|t| Fact::new(&t.summary, &t.tags)).collect();
    let mut plan = Plan::default();
    let mut merges: BTreeMap<Uuid, Merge> = BTreeMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let mut new_facts: Vec<Fact> = Vec::new();
    for candidate in candidates {
        if candidate.confidence < min_confidence {
            plan.low_confidence += 1;
            continue;
        }
        let fact = Fact::new(&candidate.summary, &candidate.tags);
        if deleted.iter().any(|gone| fact.same_as(gone).is_some()) {
            plan.tombstoned += 1;
            continue;
        }
        let best = known
            .iter()
            .filter_map(|(id, other)| fact.same_as(other).map(|score| (*id, score)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((id, _)) = best {
            match merges.get_mut(&id) {
                Some(merge) => {
                    merge.confidence = noisy_or(merge.confidence, candidate.confidence);
                    merge.tags = join_tags(&merge.tags, &candidate.tags);
                }
                None => {
                    order.push(id);
                    merges.insert(
                        id,
                        Merge { memory_id: id, confidence: candidate.confidence, tags: candidate.tags.clone() },
                    );
                }
            }
            continue;
        }
        if let Some(index) = new_facts.iter().position(|other| fact.same_as(other).is_some()) {
            let earlier = &mut plan.create[index];
            earlier.confidence = noisy_or(earlier.confidence, candidate.confidence).min(MAX_LEARNED_CONFIDENCE);
            earlier.tags = join_tags(&earlier.tags, &candidate.tags);
            new_facts[index].tags.extend(candidate.tags);
            continue;
        }
        new_facts.push(fact);
        plan.create.push(Candidate { confidence: candidate.confidence.min(MAX_LEARNED_CONFIDENCE), ..candidate });
    }
    plan.merge = order.into_iter().filter_map(|id| merges.remove(&id)).collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::OffsetDateTime;

    fn pair(text: &str, answer: &str) -> PairItem {
        let now = OffsetDateTime::now_utc();
        let mut pair =
            PairItem::new(Uuid::now_v7(), Uuid::now_v7(), vec![Block::Text { text: text.into() }], 3, "m", now);
        pair.status = PairStatus::Complete;
        pair.assistant_text = answer.into();
        pair
    }

    fn memory(summary: &str, tags: &[&str], confidence: f64) -> MemoryItem {
        let mut memory = MemoryItem::new(
            Uuid::now_v7(),
            summary.into(),
            MemoryCategory::Preference,
            confidence,
            false,
            OffsetDateTime::now_utc(),
        );
        memory.tags = tags.iter().map(|t| t.to_string()).collect();
        memory
    }

    fn candidate(summary: &str, tags: &[&str], confidence: f64) -> Candidate {
        Candidate {
            summary: summary.into(),
            category: MemoryCategory::Preference,
            confidence,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            raw_content: None,
        }
    }

    #[test]
    fn the_instruction_holds_its_phrase_and_every_category() {
        assert!(INSTRUCTIONS.starts_with(INSTRUCTION_PHRASE));
        for category in MemoryCategory::ALL {
            assert!(INSTRUCTIONS.contains(&format!("\"{}\"", category.as_str())), "{category:?}");
        }
        for field in ["summary", "category", "confidence", "tags", "raw_content"] {
            assert!(INSTRUCTIONS.contains(&format!("\"{field}\"")), "{field}");
        }
    }

    #[test]
    fn pending_pairs_are_answered_visible_ones_up_to_one_being_written() {
        let first = pair("I live in Lisbon", "Nice!");
        let mut hidden = pair("hidden", "answer");
        hidden.hidden = true;
        let mut failed = pair("failed", "half an ans");
        failed.status = PairStatus::Failed;
        let second = pair("I am a nurse", "Thanks");
        let mut writing = pair("still going", "");
        writing.status = PairStatus::Generating;
        let after = pair("after", "later");
        let pairs = vec![first.clone(), hidden.clone(), failed.clone(), second.clone(), writing.clone(), after];
        let found = pending(&pairs, |_| true);
        assert_eq!(found.pairs.iter().map(|p| p.id).collect::<Vec<_>>(), vec![first.id, second.id]);
        assert_eq!(found.through, Some(second.id));
        // A pair left generating by a generation that died is read past.
        let found = pending(&pairs, |_| false);
        assert_eq!(found.pairs.len(), 3);
        assert_eq!(found.through, Some(pairs[5].id));
        assert_eq!(pending(&[], |_| true).through, None);
    }

    #[test]
    fn the_conversation_names_attachments_and_keeps_the_newest_pairs() {
        let mut with_file = pair("What do you think of my CV?", "It reads well.");
        with_file.user_content.push(Block::Document {
            file_id: Uuid::nil(),
            filename: "cv.pdf".into(),
            media_type: "application/pdf".into(),
            size: 10,
        });
        let one = render(&[&with_file]);
        assert_eq!(
            one.text,
            "User: What do you think of my CV?\n[attached document: cv.pdf]\n\nAssistant: It reads well."
        );
        assert_eq!((one.pair_ids, one.left_out), (vec![with_file.id], 0));

        let long: Vec<PairItem> =
            (0..20).map(|i| pair(&format!("message {i} {}", "x".repeat(5_000)), &"y".repeat(3_000))).collect();
        let refs: Vec<&PairItem> = long.iter().collect();
        let rendered = render(&refs);
        assert!(rendered.text.chars().count() <= MAX_CONVERSATION_CHARS + 100, "bounded");
        assert!(rendered.left_out > 0);
        assert_eq!(rendered.pair_ids.last(), Some(&long[19].id), "the newest pair is kept");
        assert!(rendered.text.contains("message 19") && !rendered.text.contains("message 0 "));
        assert!(rendered.text.starts_with(&format!("[{} earlier exchanges are left out.]", rendered.left_out)));
        // An answer is clipped.
        assert!(!rendered.text.contains(&"y".repeat(MAX_ASSISTANT_CHARS + 1)));
    }

    #[test]
    fn replies_parse_strictly() {
        let good = json!([{"summary": " Prefers Rust ", "category": "Preference", "confidence": 0.9,
            "tags": ["Rust", "rust", "Programming Languages", "a/b"], "raw_content": "I love Rust"}]);
        let expected = Candidate {
            summary: "Prefers Rust".into(),
            category: MemoryCategory::Preference,
            confidence: 0.9,
            tags: vec!["rust".into(), "programming-languages".into()],
            raw_content: Some("I love Rust".into()),
        };
        let parsed = parse(&good.to_string()).unwrap();
        assert_eq!(parsed.candidates, vec![expected.clone()]);
        assert!(parsed.skipped.is_empty());
        // In one fence, or as {"memories": [...]}.
        assert_eq!(parse(&format!("```json\n{good}\n```")).unwrap().candidates, vec![expected.clone()]);
        assert_eq!(parse(&format!("```\n{good}\n```")).unwrap().candidates, vec![expected.clone()]);
        assert_eq!(parse(&json!({"memories": good}).to_string()).unwrap().candidates, vec![expected]);
        assert_eq!(parse(" [] ").unwrap(), Parsed { candidates: vec![], skipped: vec![] });
        // Anything else is invalid.
        for bad in [
            "",
            "Sure! Here are the memories: []",
            "[] and more",
            "{\"summary\": \"x\"}",
            "{\"memories\": [], \"other\": 1}",
            "```python\n[]\n```",
            "```json\n[]\n```\n```json\n[]\n```",
            "[{\"summary\": \"x\",}]",
            "null",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_candidates_are_skipped_and_the_others_kept() {
        let ok = json!({"summary": "Has a dog", "category": "personal", "confidence": 0.7});
        let reply = json!([
            ok,
            "just text",
            {"summary": "   ", "category": "personal", "confidence": 0.9},
            {"summary": "x".repeat(501), "category": "personal", "confidence": 0.9},
            {"summary": "Likes tea", "category": "hobby", "confidence": 0.9},
            {"summary": "Likes tea", "category": "preference", "confidence": 1.5},
            {"summary": "Likes tea", "category": "preference", "confidence": "0.9"},
            {"summary": "Likes tea", "category": "preference", "confidence": 0.9, "tags": "tea"},
            {"summary": "Likes tea", "category": "preference", "confidence": 0.9, "tags": [1]},
            {"summary": "Likes tea", "category": "preference", "confidence": 0.9, "raw_content": 5},
            {"summary": "x".repeat(500), "category": "other", "confidence": 0,
                "tags": (0..15).map(|i| format!("t{i}")).collect::<Vec<_>>(), "raw_content": "  "},
        ]);
        let parsed = parse(&reply.to_string()).unwrap();
        assert_eq!(parsed.skipped.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(parsed.candidates.len(), 2);
        assert_eq!(parsed.candidates[0].tags, Vec::<String>::new());
        let last = &parsed.candidates[1];
        assert_eq!((last.tags.len(), last.raw_content.as_deref(), last.confidence), (10, None, 0.0));
    }

    #[test]
    fn similar_summaries_are_the_same_fact() {
        assert_eq!(
            words("The user's favourite languages: Rust, C++ and Go!"),
            ["c++", "favourite", "go", "language", "rust"].map(String::from).into()
        );
        let tags = |t: &[&str]| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let same = [
            ("Prefers Rust for backend work", "The user prefers Rust for backend work."),
            ("Prefers Rust for backend work", "User prefers Rust for backend development"),
            ("Is a data engineer at Acme", "Works as a data engineer at Acme"),
        ];
        for (a, b) in same {
            assert!(near_duplicate(a, &[], b, &[]), "{a} / {b}: {}", similarity(a, b));
        }
        let different = [
            ("Prefers Python", "Prefers Rust"),
            ("Has a dog named Max", "Has a cat named Max"),
            ("Works at Acme as a data engineer", "Works remotely from Lisbon"),
            ("Is learning Japanese", "Is studying Japanese for a trip to Tokyo"),
        ];
        for (a, b) in different {
            let shared = tags(&["topic"]);
            assert!(!near_duplicate(a, &shared, b, &shared), "{a} / {b}: {}", similarity(a, b));
        }
        // Alike, but the same fact only when they share a tag.
        let (a, b) = ("Works as a backend engineer at Acme", "Is a backend engineer");
        assert!(!near_duplicate(a, &tags(&["career"]), b, &tags(&["rust"])));
        assert!(near_duplicate(a, &tags(&["career"]), b, &tags(&["career", "rust"])));
    }

    #[test]
    fn confidence_rises_with_evidence_but_stays_below_one_until_verified() {
        assert!((raised_confidence(0.8, 0.7, false) - 0.94).abs() < 1e-9);
        assert_eq!(raised_confidence(0.9, 0.9, false), MAX_LEARNED_CONFIDENCE);
        assert_eq!(raised_confidence(0.97, 0.9, false), 0.97, "never lowered");
        assert_eq!(raised_confidence(1.0, 0.7, true), 1.0);
        assert!((raised_confidence(0.6, 0.9, true) - 0.96).abs() < 1e-9);
    }

    #[test]
    fn the_plan_drops_merges_and_creates() {
        let rust = memory("Prefers Rust for backend work", &["rust"], 0.8);
        let inactive = {
            let mut m = memory("Lives in Lisbon", &["home"], 0.7);
            m.is_active = false;
            m
        };
        let tombstone = TombstoneItem {
            pk: String::new(),
            sk: String::new(),
            memory_id: Uuid::now_v7(),
            summary: "Has a dog named Max".into(),
            tags: vec!["pets".into()],
            deleted_at: OffsetDateTime::now_utc(),
        };
        let candidates = vec![
            candidate("Likes jazz", &["music"], 0.3),
            candidate("The user has a dog named Max.", &[], 0.9),
            candidate("User prefers Rust for backend development", &["backend"], 0.7),
            candidate("Lives in Lisbon, Portugal", &["home"], 0.8),
            candidate("Is training for a marathon", &["running"], 0.8),
            candidate("Training for a marathon", &["sport"], 0.6),
            candidate("Prefers Rust for backend work", &["languages"], 0.6),
            candidate("Plays the violin", &[], 1.0),
        ];
        let plan = plan(candidates, &[rust.clone(), inactive.clone()], &[tombstone], 0.6);
        assert_eq!((plan.low_confidence, plan.tombstoned), (1, 1));
        assert_eq!(plan.merge.len(), 2);
        assert_eq!(plan.merge[0].memory_id, rust.id);
        assert!((plan.merge[0].confidence - noisy_or(0.7, 0.6)).abs() < 1e-9, "both Rust candidates");
        assert_eq!(plan.merge[0].tags, vec!["backend".to_string(), "languages".to_string()]);
        assert_eq!(plan.merge[1].memory_id, inactive.id, "inactive memories are compared too");
        assert_eq!(plan.create.len(), 2);
        let marathon = &plan.create[0];
        assert_eq!(marathon.summary, "Is training for a marathon");
        assert!((marathon.confidence - 0.92).abs() < 1e-9);
        assert_eq!(marathon.tags, vec!["running".to_string(), "sport".to_string()]);
        assert_eq!(plan.create[1].confidence, MAX_LEARNED_CONFIDENCE);
    }

    #[test]
    fn a_merge_raises_joins_and_adds_sources_only_from_the_memorys_chat() {
        let chat = Uuid::now_v7();
        let mut existing = memory("Prefers Rust", &["rust"], 0.8);
        existing.is_active = false;
        existing.source_chat_id = Some(chat);
        existing.source_pair_ids = vec![Uuid::nil()];
        let merge = Merge { memory_id: existing.id, confidence: 0.7, tags: vec!["rust".into(), "backend".into()] };
        let new_pair = Uuid::now_v7();
        let merged = merged_memory(&existing, &merge, &Sources { chat_id: chat, pair_ids: &[new_pair] });
        assert!((merged.confidence - 0.94).abs() < 1e-9);
        assert_eq!(merged.tags, vec!["rust".to_string(), "backend".to_string()]);
        assert_eq!(merged.source_pair_ids, vec![Uuid::nil(), new_pair]);
        assert!(!merged.is_active && !merged.is_verified, "flags are the user's");
        let other_chat = Uuid::now_v7();
        let elsewhere = merged_memory(&existing, &merge, &Sources { chat_id: other_chat, pair_ids: &[new_pair] });
        assert_eq!(elsewhere.source_pair_ids, vec![Uuid::nil()]);
        assert_eq!(elsewhere.also_learned_in, vec![other_chat], "the other chat is remembered");
        assert!(merged.also_learned_in.is_empty());
        let full: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        assert_eq!(join_tags(&full, &["new".into()]), full);
    }
}
