//! What the user does with their memories (`/memories`, `/memory-tags`): list with
//! filters, write, read, change, delete, count, and manage tags. Counts are computed
//! from the memories as they are (one query of the user's partition), so they are
//! exact; edits are conditional on the version read and re-applied when it moved.

use super::api::{
    CategoryCounts, CreateMemoryRequest, CreateTagRequest, Memory, MemoryList, MemoryListQuery, MemoryStats, MemoryTag,
    MemoryTagList, TagCount, UpdateMemoryRequest,
};
use super::Changed;
use super::{count_line, tag_name, MAX_RAW_CONTENT_CHARS, MAX_SUMMARY_CHARS, MAX_TAGS, MAX_TAG_CHARS};
use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::store::memories::{self as store, MemoryItem};
use crate::store::page::{self, ListSpec};
use crate::store::{keys, s, Item};
use crate::Deps;
use aws_sdk_dynamodb::types::AttributeValue;
use futures::stream::{self, StreamExt, TryStreamExt};
use futures::TryFutureExt;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// How many memories losing a tag are edited at once.
const CONCURRENT_EDITS: usize = 8;
/// The most tags `GET /memories/stats` lists.
pub const TOP_TAGS: usize = 10;

/// A summary: at most [`MAX_SUMMARY_CHARS`] as written, not blank; stored trimmed.
fn summary(v: &mut Validator, raw: &str) -> Option<String> {
    let checked = if raw.chars().count() > MAX_SUMMARY_CHARS {
        Err(format!("Ensure this field has no more than {MAX_SUMMARY_CHARS} characters."))
    } else if raw.trim().is_empty() {
        Err("This field may not be blank.".to_string())
    } else {
        Ok(raw.trim().to_string())
    };
    v.check("summary", checked)
}

/// Raw content: at most [`MAX_RAW_CONTENT_CHARS`]; blank is none.
fn raw_content(v: &mut Validator, raw: Option<&str>) -> Option<Option<String>> {
    match raw {
        Some(raw) if raw.chars().count() > MAX_RAW_CONTENT_CHARS => {
            v.add("raw_content", format!("Ensure this field has no more than {MAX_RAW_CONTENT_CHARS} characters."));
            None
        }
        Some(raw) if !raw.trim().is_empty() => Some(Some(raw.to_string())),
        _ => Some(None),
    }
}

/// One tag as written (the rule `api::TAG_PATTERN` declares: at most [`MAX_TAG_CHARS`]
/// characters, of letters, digits, spaces and `_ . + # & -`, not only spaces), normalised.
pub fn tag_input(raw: &str) -> Result<String, String> {
    if raw.chars().count() > MAX_TAG_CHARS {
        return Err(format!("A tag has at most {MAX_TAG_CHARS} characters."));
    }
    if !raw.chars().all(|c| c.is_alphanumeric() || " _.+#&-".contains(c)) {
        return Err("A tag holds only letters, digits, spaces and - _ . + # &.".into());
    }
    tag_name(raw)
}

/// A list of tags as written: at most [`MAX_TAGS`], each valid; normalised, in their
/// order, each once.
fn tag_list(v: &mut Validator, raw: &[String]) -> Option<Vec<String>> {
    if raw.len() > MAX_TAGS {
        v.add("tags", format!("Ensure there are no more than {MAX_TAGS} tags."));
        return None;
    }
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut ok = true;
    for tag in raw {
        match v.check("tags", tag_input(tag)) {
            Some(name) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => ok = false,
        }
    }
    ok.then_some(names)
}

/// GET /memories: newest first, filtered by category, tag, active and verified.
pub async fn list(deps: &Deps, owner: Uuid, query: MemoryListQuery) -> ApiResult<MemoryList> {
    let mut v = Validator::default();
    let tag = query.tag.as_deref().and_then(|t| v.check("tag", tag_input(t)));
    v.finish()?;
    let pk = keys::user(owner);
    let spec = ListSpec::table(&pk, keys::MEMORY_PREFIX);
    let request = crate::domain::page_request(query.limit, query.cursor.as_deref(), &spec)?;
    let mut conditions: Vec<&str> = Vec::new();
    let mut values = Item::new();
    if let Some(category) = query.category {
        conditions.push("category = :category");
        values.insert(":category".into(), s(category.as_str()));
    }
    if let Some(tag) = tag {
        conditions.push("contains(tags, :tag)");
        values.insert(":tag".into(), s(tag));
    }
    if let Some(active) = query.active {
        conditions.push("is_active = :active");
        values.insert(":active".into(), AttributeValue::Bool(active));
    }
    if let Some(verified) = query.verified {
        conditions.push("is_verified = :verified");
        values.insert(":verified".into(), AttributeValue::Bool(verified));
    }
    // Only the key serves the order, so the filters are a FilterExpression: the page
    // reads on until it is full (see `page::query`).
    let filter = (!conditions.is_empty()).then(|| (conditions.join(" AND "), values));
    let (items, next_cursor) = page::query::<MemoryItem>(&deps.table, &spec, true, &request, filter).await?;
    Ok(MemoryList { items: items.into_iter().map(Memory::from).collect(), next_cursor })
}

/// POST /memories: a memory the user writes is verified, with confidence 1.0, active.
pub async fn create(deps: &Deps, owner: Uuid, req: CreateMemoryRequest) -> ApiResult<Memory> {
    crate::tokens::warm_up();
    let mut v = Validator::default();
    let summary = summary(&mut v, &req.summary);
    let raw = raw_content(&mut v, req.raw_content.as_deref());
    let tags = tag_list(&mut v, req.tags.as_deref().unwrap_or_default());
    v.finish()?;
    let now = deps.clock.now();
    let mut memory = MemoryItem::new(owner, summary.unwrap_or_default(), req.category, 1.0, true, now);
    memory.raw_content = raw.flatten();
    memory.tags = tags.unwrap_or_default();
    memory.token_count = count_line(&memory).await;
    store::create(&deps.table, &memory).await?;
    Ok(memory.into())
}

/// GET /memories/{id}.
pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Memory> {
    Ok(store::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?.into())
}

/// PATCH /memories/{id}: the changes are applied to the memory as read and stored on
/// condition that it did not change meanwhile (else read and applied again). Nothing to
/// change writes nothing.
pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdateMemoryRequest) -> ApiResult<Memory> {
    let mut v = Validator::default();
    let new_summary = req.summary.as_deref().and_then(|raw| summary(&mut v, raw));
    let new_tags = req.tags.as_deref().and_then(|raw| tag_list(&mut v, raw));
    v.finish()?;
    if new_summary.is_some() || req.category.is_some() {
        crate::tokens::warm_up();
    }
    let changed = super::change(&deps.table, owner, id, None, deps.clock.now(), |memory| {
        if let Some(summary) = &new_summary {
            memory.summary.clone_from(summary);
        }
        if let Some(category) = req.category {
            memory.category = category;
        }
        if let Some(tags) = &new_tags {
            memory.tags.clone_from(tags);
        }
        if let Some(active) = req.is_active {
            memory.is_active = active;
        }
        if let Some(verified) = req.is_verified {
            // The user's word is as sure as it gets.
            if verified && !memory.is_verified {
                memory.confidence = 1.0;
            }
            memory.is_verified = verified;
        }
    })
    .await?;
    match changed {
        Changed::Stored(memory) | Changed::Unchanged(memory) => Ok(memory.into()),
        Changed::Gone => Err(ApiError::not_found()),
    }
}

/// DELETE /memories/{id}: a memory learned from a chat leaves a tombstone there, so it is
/// not learned again.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    let memory = store::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    if store::delete(&deps.table, &memory, deps.clock.now()).await? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// The statistics of `memories`.
pub fn stats_of(memories: &[MemoryItem]) -> MemoryStats {
    let mut by_category = CategoryCounts::default();
    let mut tags: BTreeMap<&str, i64> = BTreeMap::new();
    for memory in memories {
        by_category.count(memory.category);
        for tag in &memory.tags {
            *tags.entry(tag).or_default() += 1;
        }
    }
    let mut top_tags: Vec<TagCount> =
        tags.into_iter().map(|(name, count)| TagCount { name: name.into(), count }).collect();
    // By name already: a stable sort by count keeps that order among equals.
    top_tags.sort_by_key(|tag| std::cmp::Reverse(tag.count));
    top_tags.truncate(TOP_TAGS);
    let count = |keep: fn(&MemoryItem) -> bool| memories.iter().filter(|m| keep(m)).count() as i64;
    MemoryStats {
        total: memories.len() as i64,
        active: count(|m| m.is_active),
        verified: count(|m| m.is_verified),
        by_category,
        top_tags,
    }
}

/// GET /memories/stats.
pub async fn stats(deps: &Deps, owner: Uuid) -> ApiResult<MemoryStats> {
    Ok(stats_of(&store::all(&deps.table, owner).await?))
}

/// The tags of `tag_items` and of `memories` (a tag some memory holds is listed even
/// without its item), by name, with the number of memories holding each.
pub fn tags_of(tag_items: Vec<store::MemoryTagItem>, memories: &[MemoryItem]) -> Vec<MemoryTag> {
    let mut tags: BTreeMap<String, (i64, Option<OffsetDateTime>)> =
        tag_items.into_iter().map(|tag| (tag.name, (0, Some(tag.created_at)))).collect();
    let mut first_held: BTreeMap<&str, OffsetDateTime> = BTreeMap::new();
    for memory in memories {
        for tag in &memory.tags {
            tags.entry(tag.clone()).or_default().0 += 1;
            let first = first_held.entry(tag).or_insert(memory.created_at);
            *first = (*first).min(memory.created_at);
        }
    }
    tags.into_iter()
        .filter_map(|(name, (memory_count, created_at))| {
            let created_at = created_at.or_else(|| first_held.get(name.as_str()).copied())?;
            Some(MemoryTag { name, memory_count, created_at })
        })
        .collect()
}

/// GET /memory-tags: every tag, by name (the tag items and the memories, read concurrently).
pub async fn tags(deps: &Deps, owner: Uuid) -> ApiResult<MemoryTagList> {
    let (tag_items, memories) = tokio::try_join!(store::tags(&deps.table, owner), store::all(&deps.table, owner))?;
    Ok(MemoryTagList { items: tags_of(tag_items, &memories), next_cursor: None })
}

/// POST /memory-tags: a new tag (normalised); 409 `tag_exists` when the user has it.
pub async fn create_tag(deps: &Deps, owner: Uuid, req: CreateTagRequest) -> ApiResult<MemoryTag> {
    let name = tag_input(&req.name).map_err(|problem| ApiError::invalid_field("name", problem))?;
    let now = deps.clock.now();
    if !store::create_tag(&deps.table, owner, &name, now).await? {
        return Err(ApiError::conflict("tag_exists", "You already have this tag."));
    }
    // Memories may hold it already (a tag whose item went missing).
    let memories = store::all(&deps.table, owner).await?;
    let memory_count = memories.iter().filter(|m| m.tags.contains(&name)).count() as i64;
    Ok(MemoryTag { name, memory_count, created_at: now })
}

/// The stored name a path names: normalised as a tag is written, or else as it is (a
/// stored name can hold what lower-casing made). `None` when no tag can have it.
fn named_tag(raw: &str) -> Option<String> {
    // Lower-casing lengthens a name by a few characters at most.
    if raw.is_empty() || raw.chars().count() > 2 * MAX_TAG_CHARS {
        return None;
    }
    Some(tag_name(raw).unwrap_or_else(|_| raw.to_string()))
}

/// Takes `name` off the memory (as read, then as read again while it moves meanwhile).
async fn untag(deps: &Deps, owner: Uuid, memory: MemoryItem, name: &str) -> ApiResult<()> {
    let id = memory.id;
    super::change(&deps.table, owner, id, Some(memory), deps.clock.now(), |m| m.tags.retain(|tag| tag != name)).await?;
    Ok(())
}

/// DELETE /memory-tags/{name}: the tag is taken off every memory holding it, then its
/// item is deleted. 404 when the user has neither the tag nor a memory with it.
pub async fn delete_tag(deps: &Deps, owner: Uuid, raw_name: &str) -> ApiResult<()> {
    let name = named_tag(raw_name).ok_or_else(ApiError::not_found)?;
    let (item, memories) = tokio::try_join!(
        store::get_tag(&deps.table, owner, &name).err_into::<ApiError>(),
        store::all(&deps.table, owner).err_into::<ApiError>()
    )?;
    let holders: Vec<MemoryItem> = memories.into_iter().filter(|m| m.tags.contains(&name)).collect();
    if item.is_none() && holders.is_empty() {
        return Err(ApiError::not_found());
    }
    stream::iter(holders)
        .map(|memory| untag(deps, owner, memory, &name))
        .buffer_unordered(CONCURRENT_EDITS)
        .try_collect::<()>()
        .await?;
    store::delete_tag(&deps.table, owner, &name).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemoryCategory;

    fn memory(category: MemoryCategory, tags: &[&str], active: bool, verified: bool) -> MemoryItem {
        let mut m = MemoryItem::new(Uuid::now_v7(), "x".into(), category, 0.8, verified, OffsetDateTime::UNIX_EPOCH);
        m.tags = tags.iter().map(|t| t.to_string()).collect();
        m.is_active = active;
        m
    }

    #[test]
    fn tags_as_written_follow_the_declared_rule() {
        assert_eq!(tag_input("  Rust  Lang ").unwrap(), "rust-lang");
        assert_eq!(tag_input("C++").unwrap(), "c++");
        assert_eq!(tag_input("c#").unwrap(), "c#");
        assert_eq!(tag_input("R&D").unwrap(), "r&d");
        assert_eq!(tag_input("İ").unwrap(), "i\u{307}");
        for bad in ["", "   ", "a/b", "a\tb", "a\u{3000}b", &"x".repeat(51)] {
            assert!(tag_input(bad).is_err(), "{bad:?}");
        }
        let pattern = regex::Regex::new(super::super::api::TAG_PATTERN).unwrap();
        for good in ["rust", " a b ", "c++", "x_y.z#&-"] {
            assert!(pattern.is_match(good) && tag_input(good).is_ok(), "{good:?}");
        }
        for bad in ["", "   ", "a/b", "a\tb"] {
            assert!(!pattern.is_match(bad) && tag_input(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tag_lists_are_bounded_normalised_and_deduplicated() {
        let mut v = Validator::default();
        let raw: Vec<String> = ["Rust", "rust", " RUST ", "Go"].iter().map(|t| t.to_string()).collect();
        assert_eq!(tag_list(&mut v, &raw).unwrap(), ["rust", "go"]);
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert!(tag_list(&mut v, &eleven).is_none());
        assert!(tag_list(&mut v, &["ok".into(), "no/pe".into()]).is_none());
        assert!(v.finish().is_err());
    }

    #[test]
    fn summaries_count_as_written_and_are_stored_trimmed() {
        let mut v = Validator::default();
        assert_eq!(summary(&mut v, "  Likes tea ").unwrap(), "Likes tea");
        assert!(summary(&mut v, &format!("{} ", "x".repeat(500))).is_none(), "501 as written");
        assert!(summary(&mut v, " \n ").is_none());
        assert!(v.finish().is_err());
    }

    #[test]
    fn stats_count_every_category_and_the_top_tags() {
        use MemoryCategory::*;
        let memories = vec![
            memory(Skill, &["rust", "go"], true, true),
            memory(Skill, &["rust"], false, false),
            memory(Goal, &["go", "zig"], true, false),
            memory(Other, &["alpha"], true, true),
        ];
        let stats = stats_of(&memories);
        assert_eq!((stats.total, stats.active, stats.verified), (4, 3, 2));
        assert_eq!(stats.by_category, CategoryCounts { skill: 2, goal: 1, other: 1, ..Default::default() });
        let top: Vec<(&str, i64)> = stats.top_tags.iter().map(|t| (t.name.as_str(), t.count)).collect();
        assert_eq!(top, [("go", 2), ("rust", 2), ("alpha", 1), ("zig", 1)]);
        let many: Vec<MemoryItem> = (0..12).map(|i| memory(Other, &[&format!("t{i:02}")], true, true)).collect();
        assert_eq!(stats_of(&many).top_tags.len(), TOP_TAGS);
        let json = serde_json::to_value(stats_of(&[])).unwrap();
        let categories = json["by_category"].as_object().unwrap();
        assert_eq!(categories.len(), MemoryCategory::ALL.len());
        assert!(MemoryCategory::ALL.iter().all(|c| categories[c.as_str()] == 0));
    }

    #[test]
    fn tag_lists_count_memories_and_show_tags_only_memories_hold() {
        let at = |secs| OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let item = |name: &str, secs| store::MemoryTagItem {
            pk: String::new(),
            sk: String::new(),
            name: name.into(),
            created_at: at(secs),
        };
        let mut held = memory(MemoryCategory::Skill, &["rust", "orphan"], true, true);
        held.created_at = at(50);
        let mut older = memory(MemoryCategory::Skill, &["orphan"], false, true);
        older.created_at = at(20);
        let tags = tags_of(vec![item("unused", 5), item("rust", 10)], &[held, older]);
        let seen: Vec<(&str, i64, OffsetDateTime)> =
            tags.iter().map(|t| (t.name.as_str(), t.memory_count, t.created_at)).collect();
        assert_eq!(seen, [("orphan", 2, at(20)), ("rust", 1, at(10)), ("unused", 0, at(5))]);
    }

    #[test]
    fn paths_name_stored_tags() {
        assert_eq!(named_tag("C++").as_deref(), Some("c++"));
        assert_eq!(named_tag("i\u{307}").as_deref(), Some("i\u{307}"));
        assert_eq!(named_tag(""), None);
        assert_eq!(named_tag(&"x".repeat(101)), None);
    }
}
