//! The request and response types of the `/design-projects` and `/prototypes` routes.

use crate::chat::api::TokenUsage;
use crate::store::prototypes::{DesignProjectItem, GroupItem, PrototypeItem, VariantItem, VersionItem, VersionSummary};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct DesignProject {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub prototype_count: i64,
    pub group_count: i64,
}

impl From<DesignProjectItem> for DesignProject {
    fn from(item: DesignProjectItem) -> Self {
        Self {
            id: item.id,
            name: item.name,
            description: item.description,
            created_at: item.created_at,
            updated_at: item.updated_at,
            prototype_count: item.prototype_count,
            group_count: item.group_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DesignProjectList {
    pub items: Vec<DesignProject>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDesignProjectRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDesignProjectRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    pub id: Uuid,
    pub design_project_id: Uuid,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub prototype_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<GroupItem> for Group {
    fn from(item: GroupItem) -> Self {
        Self {
            id: item.id,
            design_project_id: item.design_project_id,
            name: item.name,
            description: item.description,
            position: item.position,
            prototype_count: item.prototype_count,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}

/// A design project's groups, all of them, by `position` (then age).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub items: Vec<Group>,
    /// Always null: the list is whole (a design project holds at most 200 groups).
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Where it sorts among the groups (default: after the last one).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    pub position: Option<i64>,
}

/// A version of a variant: one page. Versions are never changed once made.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Version {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub version_number: i64,
    /// What the user asked to change (null for a variant's first version).
    pub edit_prompt: Option<String>,
    pub file_name: String,
    /// Bytes of the page.
    pub size: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<VersionSummary> for Version {
    fn from(v: VersionSummary) -> Self {
        Self {
            id: v.id,
            variant_id: v.variant_id,
            version_number: v.version_number,
            edit_prompt: v.edit_prompt,
            file_name: v.file_name,
            size: v.size,
            created_at: v.created_at,
        }
    }
}

impl From<&VersionItem> for Version {
    fn from(item: &VersionItem) -> Self {
        item.summary().into()
    }
}

/// A version with its page and a preview URL for an iframe.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionWithHtml {
    #[serde(flatten)]
    pub version: Version,
    pub html: String,
    /// Opens the page without an Authorization header (an iframe `src`), for this
    /// user and version only, until `preview_expires_at`.
    pub preview_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub preview_expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Variant {
    pub id: Uuid,
    pub prototype_id: Uuid,
    pub name: String,
    pub description: String,
    pub is_original: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub versions_count: i64,
    pub latest_version_number: i64,
}

impl From<VariantItem> for Variant {
    fn from(item: VariantItem) -> Self {
        Self {
            id: item.id,
            prototype_id: item.prototype_id,
            name: item.name,
            description: item.description,
            is_original: item.is_original,
            created_at: item.created_at,
            versions_count: item.versions_count,
            latest_version_number: item.latest_version_number,
        }
    }
}

/// A variant with all its versions, by number.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantWithVersions {
    #[serde(flatten)]
    pub variant: Variant,
    pub versions: Vec<Version>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Prototype {
    pub id: Uuid,
    pub design_project_id: Uuid,
    pub group_id: Option<Uuid>,
    pub name: String,
    pub prompt: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub variants_count: i64,
    /// The version made last, of any variant.
    pub latest_version: Option<Version>,
}

impl From<PrototypeItem> for Prototype {
    fn from(item: PrototypeItem) -> Self {
        Self {
            id: item.id,
            design_project_id: item.design_project_id,
            group_id: item.group_id,
            name: item.name,
            prompt: item.prompt,
            created_at: item.created_at,
            updated_at: item.updated_at,
            variants_count: item.variants_count,
            latest_version: item.latest_version.map(Version::from),
        }
    }
}

/// A prototype with its variants, the original first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrototypeWithVariants {
    #[serde(flatten)]
    pub prototype: Prototype,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PrototypeList {
    pub items: Vec<Prototype>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PrototypeListQuery {
    /// Only the prototypes of this group.
    pub group_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    #[param(max_length = 2000)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePrototypeRequest {
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    /// A group of the prototype's design project, or null to take it out of its group.
    #[serde(default, deserialize_with = "crate::domain::present")]
    #[schema(value_type = Option<Uuid>)]
    pub group_id: Option<Option<Uuid>>,
}

/// `POST /design-projects/{id}/prototypes/generate`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// The screen to design.
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub prompt: String,
    /// Default: the prompt's first words.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub name: Option<String>,
    /// A group of the design project to put it in.
    #[serde(default)]
    pub group_id: Option<Uuid>,
}

/// `POST /prototypes/{id}/variants`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantRequest {
    /// What should differ (default: a meaningfully different design of the same screen).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub prompt: Option<String>,
    /// The variant whose latest page the new one starts from (default: the original).
    #[serde(default)]
    pub from_variant_id: Option<Uuid>,
}

/// `POST /prototypes/{id}/variants/{vid}/versions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    #[schema(
        min_length = 1,
        max_length = 20000,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub edit_prompt: String,
}

/// `start` event of the generating routes: the ids of what is being made.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationStart {
    pub prototype_id: Uuid,
    pub variant_id: Uuid,
    /// The version's id; its number is given when it is stored (`done`).
    pub version_id: Uuid,
    pub model: String,
}

/// `done` event of the generating routes: what was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationDone {
    pub stop_reason: String,
    pub model: String,
    pub usage: TokenUsage,
    pub prototype: Prototype,
    pub variant: Variant,
    pub version: Version,
}

/// `?sig=` of the preview route.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// From the version's `preview_url`.
    #[param(max_length = 4000)]
    pub sig: Option<String>,
}
