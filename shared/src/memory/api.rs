//! Request and response bodies of the `/memories` and `/memory-tags` routes (also the
//! OpenAPI schemas). Every rule the services enforce on a single value is declared here.

use super::{MAX_TAGS, MAX_TAG_CHARS};
use crate::model::MemoryCategory;
use crate::store::memories::MemoryItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A tag as it may be written: letters, digits, `_ . + # & -` and spaces (not only
/// spaces). It is stored normalised (`memory::tag_name`): trimmed, lower case, runs of
/// spaces made one `-`.
pub const TAG_PATTERN: &str = r"^ *[\w.+#&-][\w .+#&-]*$";
const TAG_DESCRIPTION: &str = "A tag: letters, digits, spaces and `_ . + # & -`; stored trimmed, in lower case, \
     with each run of spaces made one `-` (`Rust  Lang` is `rust-lang`)";

fn tag_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_TAG_CHARS))
        .pattern(Some(TAG_PATTERN))
        .description(Some(TAG_DESCRIPTION))
        .build()
}

/// `tags` of a request: at most 10 tags (duplicates after normalising count once), or null.
fn tags_input_schema() -> Array {
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(tag_schema())
        .max_items(Some(MAX_TAGS))
        .description(Some("At most 10 tags; the same tag written twice counts once"))
        .build()
}

/// A long-term memory.
#[derive(Debug, Serialize, ToSchema)]
pub struct Memory {
    pub id: Uuid,
    /// One sentence about the user; this is what the model is given.
    pub summary: String,
    /// What the memory was drawn from, or what the user wrote with it.
    pub raw_content: Option<String>,
    pub category: MemoryCategory,
    /// How sure the assistant is, from 0 to 1; user-written memories are 1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence_score: f64,
    /// Normalised tag names.
    pub tags: Vec<String>,
    /// Confirmed by the user (memories the user writes are).
    pub is_verified: bool,
    /// Only active memories are given to the model.
    pub is_active: bool,
    /// The chat it was learned from; null for memories the user wrote.
    pub source_chat_id: Option<Uuid>,
    /// How many prompts carried it.
    #[schema(minimum = 0)]
    pub reference_count: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_referenced_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<MemoryItem> for Memory {
    fn from(item: MemoryItem) -> Self {
        Self {
            id: item.id,
            summary: item.summary,
            raw_content: item.raw_content,
            category: item.category,
            confidence_score: item.confidence,
            tags: item.tags,
            is_verified: item.is_verified,
            is_active: item.is_active,
            source_chat_id: item.source_chat_id,
            reference_count: item.reference_count,
            last_referenced_at: item.last_referenced_at,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryList {
    pub items: Vec<Memory>,
    /// Pass as `?cursor=` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The query of `GET /memories`: the filters hold together (AND).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemoryListQuery {
    /// Only memories of this category
    pub category: Option<MemoryCategory>,
    /// Only memories with this tag (written as on create: it is normalised)
    #[param(min_length = 1, max_length = 50, pattern = r"^ *[\w.+#&-][\w .+#&-]*$")]
    pub tag: Option<String>,
    /// Only active (true) or only inactive (false) memories
    pub active: Option<bool>,
    /// Only verified (true) or only unverified (false) memories
    pub verified: Option<bool>,
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// A memory the user writes: verified, with confidence 1, active.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMemoryRequest {
    /// Up to 500 characters, not blank; stored trimmed.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub summary: String,
    pub category: MemoryCategory,
    /// Up to 5,000 characters; blank or null means none.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub raw_content: Option<String>,
    #[serde(default)]
    #[schema(schema_with = tags_input_schema)]
    pub tags: Option<Vec<String>>,
}

/// Changes to a memory; an absent or null field stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMemoryRequest {
    /// Up to 500 characters, not blank; stored trimmed.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub summary: Option<String>,
    #[serde(default)]
    pub category: Option<MemoryCategory>,
    /// The memory's tags from now on (`[]` removes them all).
    #[serde(default)]
    #[schema(schema_with = tags_input_schema)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Confirming a memory (`true`) also makes its confidence 1.0, as for one the user wrote.
    #[serde(default)]
    pub is_verified: Option<bool>,
}

/// How many memories are in each category (every category, zeros included).
#[derive(Debug, Default, Clone, PartialEq, Serialize, ToSchema)]
pub struct CategoryCounts {
    pub personal: i64,
    pub professional: i64,
    pub preference: i64,
    pub project: i64,
    pub skill: i64,
    pub goal: i64,
    pub other: i64,
}

impl CategoryCounts {
    pub fn count(&mut self, category: MemoryCategory) {
        let n = match category {
            MemoryCategory::Personal => &mut self.personal,
            MemoryCategory::Professional => &mut self.professional,
            MemoryCategory::Preference => &mut self.preference,
            MemoryCategory::Project => &mut self.project,
            MemoryCategory::Skill => &mut self.skill,
            MemoryCategory::Goal => &mut self.goal,
            MemoryCategory::Other => &mut self.other,
        };
        *n += 1;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TagCount {
    pub name: String,
    /// Memories holding the tag.
    #[schema(minimum = 1)]
    pub count: i64,
}

/// Counted from the memories themselves as they are now.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MemoryStats {
    #[schema(minimum = 0)]
    pub total: i64,
    #[schema(minimum = 0)]
    pub active: i64,
    #[schema(minimum = 0)]
    pub verified: i64,
    pub by_category: CategoryCounts,
    /// The most used tags (over all memories, active or not), most used first, then by
    /// name; at most 10.
    #[schema(max_items = 10)]
    pub top_tags: Vec<TagCount>,
}

/// A tag of the user's.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MemoryTag {
    pub name: String,
    /// Memories holding the tag now (active or not).
    #[schema(minimum = 0)]
    pub memory_count: i64,
    /// When the tag was made (for a tag only memories hold, when the first of them was).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Every tag of the user's, by name, on one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryTagList {
    pub items: Vec<MemoryTag>,
    /// Always null: every tag is on this one page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTagRequest {
    #[schema(schema_with = tag_schema)]
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MAX_RAW_CONTENT_CHARS, MAX_SUMMARY_CHARS};
    use serde_json::Value;

    fn schema<T: utoipa::PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn the_declared_limits_are_the_enforced_ones() {
        for request in [schema::<CreateMemoryRequest>(), schema::<UpdateMemoryRequest>()] {
            let fields = &request["properties"];
            assert_eq!(fields["summary"]["maxLength"], MAX_SUMMARY_CHARS);
            assert_eq!(fields["tags"]["maxItems"], MAX_TAGS);
            assert_eq!(fields["tags"]["items"]["maxLength"], MAX_TAG_CHARS);
            assert_eq!(fields["tags"]["items"]["pattern"], TAG_PATTERN);
        }
        assert_eq!(schema::<CreateMemoryRequest>()["properties"]["raw_content"]["maxLength"], MAX_RAW_CONTENT_CHARS);
        assert_eq!(schema::<CreateTagRequest>()["properties"]["name"]["pattern"], TAG_PATTERN);
        let params = MemoryListQuery::into_params(|| None);
        let tag = serde_json::to_value(params.iter().find(|p| p.name == "tag").unwrap()).unwrap();
        assert_eq!(tag["schema"]["pattern"], TAG_PATTERN);
        assert_eq!(tag["schema"]["maxLength"], MAX_TAG_CHARS);
    }
}
