//! Long-term memories and their tags, under their owner: `USER#<uid>` / `MEMORY#<id>`
//! and `USER#<uid>` / `MEMTAG#<name>` (the tag index: every tag the user has, whether
//! or not a memory holds it now). A memory the user deleted leaves a tombstone in the
//! partition of the chat it was learned from, `USER#<uid>#CHAT#<cid>` / `MEMTOMB#<id>`,
//! so extraction from that chat never learns it again, and it goes with the chat.
//!
//! Counts are never stored: stats and tag counts are computed from the memories
//! themselves (one query of the user's partition), so they are exact by construction.
//!
//! Every write that changes a memory's prompt fields (create, edit, delete) bumps the
//! profile's `memories_rev` in its transaction, while checking the account is live. A
//! container keeps the active memories it read under that number ([`ActiveCache`]), so
//! a chat message reads them again only after they changed: the largest read of a
//! message (and about 35 read units with 500 memories) is then one `GetItem` of the
//! profile, which the message reads anyway.

use super::{key, keys, n, owner_live, s, time_attr, transact, Item};
use super::{Condition, StoreError, StoreResult, Table};
use crate::model::MemoryCategory;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// The most chats besides its source a memory remembers being confirmed in.
pub const MAX_OTHER_CHATS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub summary: String,
    /// What the user said that the memory was drawn from, or what they wrote.
    #[serde(default)]
    pub raw_content: Option<String>,
    pub category: MemoryCategory,
    /// 0.0 to 1.0; user-written memories are 1.0.
    pub confidence: f64,
    /// Normalised tag names (see `memory::tag_name`).
    #[serde(default)]
    pub tags: Vec<String>,
    pub is_verified: bool,
    pub is_active: bool,
    #[serde(default)]
    pub source_chat_id: Option<Uuid>,
    /// The pairs of `source_chat_id` the memory was learned (or confirmed) from.
    #[serde(default)]
    pub source_pair_ids: Vec<Uuid>,
    /// Other chats extraction confirmed the memory in (at most [`MAX_OTHER_CHATS`]): a
    /// deletion leaves a tombstone in each, as in `source_chat_id`.
    #[serde(default)]
    pub also_learned_in: Vec<Uuid>,
    #[serde(default)]
    pub reference_count: i64,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_referenced_at: Option<OffsetDateTime>,
    /// Tokens of the memory's line in the prompt (`memory::prompt_line`), counted when
    /// it is written, so choosing memories within a budget counts nothing.
    #[serde(default)]
    pub token_count: i64,
    /// Bumped by every edit: edits are conditional on the version they read.
    #[serde(default)]
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl MemoryItem {
    /// A new memory of `owner`'s (active, not yet referenced, version 0).
    pub fn new(
        owner: Uuid,
        summary: String,
        category: MemoryCategory,
        confidence: f64,
        verified: bool,
        now: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::memory(id),
            id,
            summary,
            raw_content: None,
            category,
            confidence,
            tags: Vec::new(),
            is_verified: verified,
            is_active: true,
            source_chat_id: None,
            source_pair_ids: Vec::new(),
            also_learned_in: Vec::new(),
            reference_count: 0,
            last_referenced_at: None,
            token_count: 0,
            version: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// The owner, from the partition key.
    pub fn owner(&self) -> Option<Uuid> {
        self.pk.strip_prefix("USER#").and_then(|id| Uuid::parse_str(id).ok())
    }
}

/// A tag of the user's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryTagItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What is kept of a deleted memory learned from a chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TombstoneItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub memory_id: Uuid,
    pub summary: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub deleted_at: OffsetDateTime,
}

fn memory_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::memory(id))
}

fn tag_key(owner: Uuid, name: &str) -> Item {
    key(keys::user(owner), keys::memory_tag(name))
}

/// Makes sure the tag item exists (keeping its first `created_at`).
fn upsert_tag(table: &Table, owner: Uuid, name: &str, now: OffsetDateTime) -> TransactWriteItem {
    let update = Update::builder()
        .table_name(table.name())
        .set_key(Some(tag_key(owner, name)))
        .update_expression("SET #name = if_not_exists(#name, :name), created_at = if_not_exists(created_at, :now)")
        .expression_attribute_names("#name", "name")
        .expression_attribute_values(":name", s(name))
        .expression_attribute_values(":now", time_attr(now))
        .build()
        .expect("table, key and expression are set");
    super::update_item(update)
}

/// The owner check of a write that changes the user's active memories: the account is
/// live, and its `memories_rev` goes up by one (fails like `owner_live`).
fn memories_changed(table: &Table, owner: Uuid) -> TransactWriteItem {
    let update = Update::builder()
        .table_name(table.name())
        .set_key(Some(key(keys::user(owner), keys::PROFILE)))
        .update_expression("ADD memories_rev :one")
        .condition_expression(super::OWNER_LIVE)
        .expression_attribute_values(":one", n(1))
        .build()
        .expect("table, key and expression are set");
    super::update_item(update)
}

/// A transaction's items are at most 100: a memory, its tags and the owner check fit.
fn with_tags(
    table: &Table,
    owner: Uuid,
    first: TransactWriteItem,
    tags: &[String],
    now: OffsetDateTime,
) -> Vec<TransactWriteItem> {
    let mut items = vec![memories_changed(table, owner), first];
    let mut seen = std::collections::BTreeSet::new();
    items.extend(tags.iter().filter(|t| seen.insert(t.as_str())).map(|tag| upsert_tag(table, owner, tag, now)));
    items
}

/// Stores a new memory with its tags (tag items created as needed);
/// `ConditionFailed(OwnerGone)` when the account is gone or going.
pub async fn create(table: &Table, memory: &MemoryItem) -> StoreResult<()> {
    let owner = memory.owner().ok_or(StoreError::NotFound)?;
    let put = super::put_new_item(table, serde_dynamo::to_item(memory)?);
    match transact(table, with_tags(table, owner, put, &memory.tags, memory.created_at)).await {
        Ok(_) => Ok(()),
        Err(err) if super::condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) => Err(err.into()),
    }
}

/// How a conditional edit went.
#[derive(Debug, PartialEq)]
pub enum Edited {
    /// Stored; the memory as it is now (with its version bumped).
    Done(Box<MemoryItem>),
    /// Deleted, or changed by someone else since it was read: read it again.
    Stale,
}

/// Stores the editable fields of `memory` (summary, raw content, category, confidence,
/// tags, flags, sources, token count) if it is still at `memory.version`; the version is
/// bumped and `updated_at` set to `now`. Reference counts, written by chats meanwhile,
/// are left as they are.
pub async fn edit(table: &Table, memory: &MemoryItem, now: OffsetDateTime) -> StoreResult<Edited> {
    let owner = memory.owner().ok_or(StoreError::NotFound)?;
    let mut values: Item = Item::from([
        (":summary".into(), s(&memory.summary)),
        (":category".into(), s(memory.category.as_str())),
        (":confidence".into(), n(memory.confidence)),
        (":tags".into(), serde_dynamo::to_attribute_value(&memory.tags)?),
        (":verified".into(), AttributeValue::Bool(memory.is_verified)),
        (":active".into(), AttributeValue::Bool(memory.is_active)),
        (":pairs".into(), serde_dynamo::to_attribute_value(&memory.source_pair_ids)?),
        (":chats".into(), serde_dynamo::to_attribute_value(&memory.also_learned_in)?),
        (":tokens".into(), n(memory.token_count)),
        (":next".into(), n(memory.version + 1)),
        (":version".into(), n(memory.version)),
        (":now".into(), time_attr(now)),
    ]);
    let mut expression = "SET summary = :summary, category = :category, confidence = :confidence, tags = :tags, \
        is_verified = :verified, is_active = :active, source_pair_ids = :pairs, also_learned_in = :chats, \
        token_count = :tokens, \
        version = :next, updated_at = :now"
        .to_string();
    match &memory.raw_content {
        Some(raw) => {
            expression.push_str(", raw_content = :raw");
            values.insert(":raw".into(), s(raw));
        }
        None => expression.push_str(" REMOVE raw_content"),
    }
    // An item written before `version` existed has none: it is version 0.
    let update = Update::builder()
        .table_name(table.name())
        .set_key(Some(memory_key(owner, memory.id)))
        .update_expression(expression)
        .condition_expression(
            "attribute_exists(PK) AND (version = :version OR (attribute_not_exists(version) AND :version = :zero))",
        )
        .set_expression_attribute_values(Some(values.into_iter().chain([(":zero".to_string(), n(0))]).collect()))
        .build()
        .expect("table, key and expression are set");
    match transact(table, with_tags(table, owner, super::update_item(update), &memory.tags, now)).await {
        Ok(_) => {
            let mut stored = memory.clone();
            stored.version += 1;
            stored.updated_at = now;
            Ok(Edited::Done(Box::new(stored)))
        }
        Err(err) if super::condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if super::condition_failed_at(&err, 1) => Ok(Edited::Stale),
        Err(err) => Err(err.into()),
    }
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<MemoryItem>> {
    super::get(table, memory_key(owner, id)).await
}

/// Every memory of the user's, newest first.
pub async fn all(table: &Table, owner: Uuid) -> StoreResult<Vec<MemoryItem>> {
    super::query_prefix(table, keys::user(owner), keys::MEMORY_PREFIX, true)
        .await?
        .into_iter()
        .map(|item| Ok(serde_dynamo::from_item(item)?))
        .collect()
}

/// The active memories a container keeps, each user's under the `memories_rev` of the
/// profile read before them: at most about [`ActiveCache::MEMORIES`] memories in all,
/// the least used users' dropped first.
#[derive(Clone)]
pub struct ActiveCache(Arc<quick_cache::sync::Cache<Uuid, Kept, ByMemories>>);

/// A user's active memories and the `memories_rev` they were read under.
type Kept = (u64, Arc<[MemoryItem]>);

/// An entry weighs one per memory (and one for the entry).
#[derive(Clone)]
struct ByMemories;

impl quick_cache::Weighter<Uuid, Kept> for ByMemories {
    fn weight(&self, _owner: &Uuid, (_, memories): &Kept) -> u64 {
        memories.len() as u64 + 1
    }
}

impl ActiveCache {
    /// What one container keeps at most: 20,000 memories, a few megabytes (without
    /// raw content, a memory is a few hundred bytes).
    pub const MEMORIES: u64 = 20_000;

    pub fn new() -> Self {
        Self(Arc::new(quick_cache::sync::Cache::with_weighter(256, Self::MEMORIES, ByMemories)))
    }
}

impl Default for ActiveCache {
    fn default() -> Self {
        Self::new()
    }
}

/// The user's active memories as of `rev`, the `memories_rev` of their profile read
/// (consistently) before this call: the kept copy when it was read at that number, else
/// read now and kept. A copy kept under `rev` was read after a profile showing `rev`,
/// so it holds every write up to `rev`; a later write bumps the number first seen by
/// the next profile read, which then reads again.
pub async fn active_at(table: &Table, cache: &ActiveCache, owner: Uuid, rev: u64) -> StoreResult<Arc<[MemoryItem]>> {
    if let Some((kept_rev, memories)) = cache.0.get(&owner) {
        if kept_rev == rev {
            return Ok(memories);
        }
    }
    let memories: Arc<[MemoryItem]> = active(table, owner).await?.into();
    cache.0.insert(owner, (rev, memories.clone()));
    Ok(memories)
}

/// The user's active memories, without their raw content (what choosing memories for a
/// prompt reads): one query, newest first.
async fn active(table: &Table, owner: Uuid) -> StoreResult<Vec<MemoryItem>> {
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .filter_expression("is_active = :yes")
        .projection_expression(
            "PK, SK, id, summary, category, confidence, tags, is_verified, is_active, token_count, version, \
             created_at, updated_at, reference_count",
        )
        .expression_attribute_values(":pk", s(keys::user(owner)))
        .expression_attribute_values(":prefix", s(keys::MEMORY_PREFIX))
        .expression_attribute_values(":yes", AttributeValue::Bool(true))
        .scan_index_forward(false)
        // Read after the profile, it must see every write the profile counted.
        .consistent_read(true);
    super::query_all(query, usize::MAX).await
}

/// Deletes the memory as read (`memory`) and, in the same transaction, leaves a tombstone
/// in each chat it was learned from that still exists (so extraction there never learns
/// it again; the tombstone goes with the chat). `false` when it was already gone.
pub async fn delete(table: &Table, memory: &MemoryItem, now: OffsetDateTime) -> StoreResult<bool> {
    let owner = memory.owner().ok_or(StoreError::NotFound)?;
    let mut chats: Vec<Uuid> =
        memory.source_chat_id.into_iter().chain(memory.also_learned_in.iter().copied()).collect();
    chats.dedup();
    let tombstone = |chat_id: Uuid| -> StoreResult<[TransactWriteItem; 2]> {
        let chat_live = ConditionCheck::builder()
            .table_name(table.name())
            .set_key(Some(key(keys::user(owner), keys::chat(chat_id))))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("table, key and condition are set");
        let item = TombstoneItem {
            pk: keys::chat_partition(owner, chat_id),
            sk: keys::memory_tombstone(memory.id),
            memory_id: memory.id,
            summary: memory.summary.clone(),
            tags: memory.tags.clone(),
            deleted_at: now,
        };
        let put = Put::builder()
            .table_name(table.name())
            .set_item(Some(serde_dynamo::to_item(&item)?))
            .build()
            .expect("table and item are set");
        Ok([
            TransactWriteItem::builder().condition_check(chat_live).build(),
            TransactWriteItem::builder().put(put).build(),
        ])
    };
    // A chat deleted meanwhile fails its check: the delete is tried again without it.
    let mut live = true;
    loop {
        let delete = Delete::builder()
            .table_name(table.name())
            .set_key(Some(memory_key(owner, memory.id)))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("table, key and condition are set");
        let mut items = vec![TransactWriteItem::builder().delete(delete).build()];
        if live {
            // The tombstones are new items under the user: only while the account is live.
            items.push(memories_changed(table, owner));
        }
        for chat_id in &chats {
            items.extend(tombstone(*chat_id)?);
        }
        match transact(table, items).await {
            Ok(_) => return Ok(true),
            Err(err) if super::condition_failed_at(&err, 0) => return Ok(false),
            // The account is being deleted, and the memory with it (nobody reads its
            // memories again): no tombstones.
            Err(err) if live && super::condition_failed_at(&err, 1) => {
                live = false;
                chats.clear();
            }
            Err(err) => match (0..chats.len()).find(|i| super::condition_failed_at(&err, 2 + 2 * i)) {
                Some(gone) => {
                    chats.remove(gone);
                }
                None => return Err(err.into()),
            },
        }
    }
}

/// The tombstones of the memories deleted that had been learned from `chat_id`.
pub async fn tombstones(table: &Table, owner: Uuid, chat_id: Uuid) -> StoreResult<Vec<TombstoneItem>> {
    super::query_prefix(table, keys::chat_partition(owner, chat_id), keys::MEMORY_TOMBSTONE_PREFIX, false)
        .await?
        .into_iter()
        .map(|item| Ok(serde_dynamo::from_item(item)?))
        .collect()
}

/// Counts one more use of each memory in a prompt. Memories deleted meanwhile are
/// skipped; the updates run concurrently (a few at a time).
pub async fn record_references(table: &Table, owner: Uuid, ids: &[Uuid], now: OffsetDateTime) -> StoreResult<()> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    stream::iter(ids.iter().copied())
        .map(|id| async move {
            let result = table
                .update_item()
                .set_key(Some(memory_key(owner, id)))
                .update_expression("ADD reference_count :one SET last_referenced_at = :now")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", time_attr(now))
                .return_values(ReturnValue::None)
                .send()
                .await;
            super::applied(result).map(|_| ())
        })
        .buffer_unordered(8)
        .try_collect::<()>()
        .await
}

/// Every tag of the user's, by name.
pub async fn tags(table: &Table, owner: Uuid) -> StoreResult<Vec<MemoryTagItem>> {
    super::query_prefix(table, keys::user(owner), keys::MEMORY_TAG_PREFIX, false)
        .await?
        .into_iter()
        .map(|item| Ok(serde_dynamo::from_item(item)?))
        .collect()
}

/// Creates a tag; `false` when the user already has it.
pub async fn create_tag(table: &Table, owner: Uuid, name: &str, now: OffsetDateTime) -> StoreResult<bool> {
    let tag =
        MemoryTagItem { pk: keys::user(owner), sk: keys::memory_tag(name), name: name.to_string(), created_at: now };
    let items = vec![owner_live(table, owner), super::put_new_item(table, serde_dynamo::to_item(&tag)?)];
    match transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if super::condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if super::condition_failed_at(&err, 1) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

pub async fn get_tag(table: &Table, owner: Uuid, name: &str) -> StoreResult<Option<MemoryTagItem>> {
    super::get(table, tag_key(owner, name)).await
}

/// Deletes the tag item; `false` if there was none. (Taking the tag off its memories is
/// the caller's: see `memory::curation::delete_tag`.)
pub async fn delete_tag(table: &Table, owner: Uuid, name: &str) -> StoreResult<bool> {
    super::delete_existing(table, tag_key(owner, name)).await
}

fn lease_key(owner: Uuid) -> Item {
    key(keys::user(owner), keys::MEMORY_LEASE)
}

/// Takes the user's memory-extraction lease for `holder` until `now + lease`, so one
/// extraction at a time plans against the user's memories (two at once would both add
/// the same fact). `false` while another holder has it; an expired lease is taken over.
pub async fn lease_extraction(
    table: &Table,
    owner: Uuid,
    holder: Uuid,
    now: OffsetDateTime,
    lease: std::time::Duration,
) -> StoreResult<bool> {
    let until = now.unix_timestamp() + lease.as_secs() as i64;
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(Item::from([
            (keys::PK.to_string(), s(keys::user(owner))),
            (keys::SK.to_string(), s(keys::MEMORY_LEASE)),
            ("holder".to_string(), s(holder.to_string())),
            ("lease_until".to_string(), n(until)),
            (keys::TTL.to_string(), n(until + 3600)),
        ])))
        .condition_expression("attribute_not_exists(PK) OR lease_until < :now")
        .expression_attribute_values(":now", n(now.unix_timestamp()))
        .build()
        .expect("table, item and condition are set");
    match transact(table, vec![owner_live(table, owner), TransactWriteItem::builder().put(put).build()]).await {
        Ok(_) => Ok(true),
        Err(err) if super::condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if super::condition_failed_at(&err, 1) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Gives the lease back (if `holder` still has it).
pub async fn release_extraction(table: &Table, owner: Uuid, holder: Uuid) -> StoreResult<()> {
    let result = table
        .delete_item()
        .set_key(Some(lease_key(owner)))
        .condition_expression("holder = :holder")
        .expression_attribute_values(":holder", s(holder.to_string()))
        .send()
        .await;
    super::applied(result).map(|_| ())
}
