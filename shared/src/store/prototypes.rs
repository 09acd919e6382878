//! UI prototypes in the table.
//!
//! - A design project is `USER#<uid>` / `DESIGN#<id>`; its groups live in its own
//!   partition, `USER#<uid>#DESIGN#<id>` / `GROUP#<gid>`.
//! - A prototype is `USER#<uid>` / `PROTOTYPE#<pid>` (so `/prototypes/{id}` reads it by
//!   id), listed by design project in GSI1 and, while in a group, by group in GSI2.
//! - Its variants and versions live in its own partition, `USER#<uid>#PROTOTYPE#<pid>`:
//!   `VARIANT#<vid>` and `VERSION#<vid>#<n, 8 digits>`. A version's page (HTML) is an S3
//!   object named in the item, written before the item.
//!
//! Every count (`prototype_count`, `group_count`, a group's `prototype_count`,
//! `variants_count`, `versions_count`, `latest_version_number`) and every
//! `latest_version` moves in the transaction of the write it counts. A version number is
//! taken in the transaction that stores the version, conditioned on the variant's number
//! being what was read: two edits racing get n+1 and n+2, and a generation that fails
//! takes no number.

use super::page::{GSI1PK, GSI2PK, GSI2SK};
use super::update::Changes;
use super::{condition_failed_at, key, keys, n, s, time_attr, Item};
use super::{Condition, StoreError, StoreResult, Table};
use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The most groups a design project holds (they are listed whole, in their order).
pub const MAX_GROUPS: i64 = 200;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DesignProjectItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub prototype_count: i64,
    #[serde(default)]
    pub group_count: i64,
}

impl DesignProjectItem {
    pub fn new(owner: Uuid, name: String, description: String, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::design_project(id),
            id,
            name,
            description,
            created_at: now,
            updated_at: now,
            prototype_count: 0,
            group_count: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GroupItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub design_project_id: Uuid,
    pub name: String,
    pub description: String,
    pub position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Prototypes in the group (ungrouping them all when it is deleted waits for the
    /// index to show this many).
    #[serde(default)]
    pub prototype_count: i64,
}

impl GroupItem {
    pub fn new(
        owner: Uuid,
        design_project_id: Uuid,
        name: String,
        description: String,
        position: i64,
        now: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::design_partition(owner, design_project_id),
            sk: keys::group(id),
            id,
            design_project_id,
            name,
            description,
            position,
            created_at: now,
            updated_at: now,
            prototype_count: 0,
        }
    }
}

/// What a prototype and a variant keep of their latest version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub version_number: i64,
    #[serde(default)]
    pub edit_prompt: Option<String>,
    pub file_name: String,
    pub size: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrototypeItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: Uuid,
    pub owner: Uuid,
    pub design_project_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
    pub name: String,
    /// What the user asked for first.
    pub prompt: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub variants_count: i64,
    #[serde(default)]
    pub latest_version: Option<VersionSummary>,
    /// Moves with every write, so a write computed from a read can be conditioned on it.
    #[serde(default)]
    pub revision: i64,
}

impl PrototypeItem {
    /// The item as stored, with its index keys derived from its fields.
    pub fn to_item(&self) -> StoreResult<Item> {
        let item = PrototypeItem {
            gsi1pk: keys::design_prototypes(self.owner, self.design_project_id),
            gsi1sk: self.id.to_string(),
            gsi2pk: self.group_id.map(|group| keys::group_prototypes(self.owner, self.design_project_id, group)),
            gsi2sk: self.group_id.map(|_| self.id.to_string()),
            ..self.clone()
        };
        Ok(serde_dynamo::to_item(item)?)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub prototype_id: Uuid,
    pub name: String,
    pub description: String,
    pub is_original: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default)]
    pub versions_count: i64,
    #[serde(default)]
    pub latest_version_number: i64,
    #[serde(default)]
    pub latest_version: Option<VersionSummary>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub prototype_id: Uuid,
    pub variant_id: Uuid,
    pub version_number: i64,
    #[serde(default)]
    pub edit_prompt: Option<String>,
    pub file_name: String,
    /// Bytes of the page.
    pub size: i64,
    /// Where the page is, in the files bucket.
    pub object_key: String,
    /// The model that wrote it.
    pub model: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl VersionItem {
    pub fn summary(&self) -> VersionSummary {
        VersionSummary {
            id: self.id,
            variant_id: self.variant_id,
            version_number: self.version_number,
            edit_prompt: self.edit_prompt.clone(),
            file_name: self.file_name.clone(),
            size: self.size,
            created_at: self.created_at,
        }
    }
}

pub fn design_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::design_project(id))
}

pub fn group_key(owner: Uuid, design_id: Uuid, id: Uuid) -> Item {
    key(keys::design_partition(owner, design_id), keys::group(id))
}

pub fn prototype_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::prototype(id))
}

pub fn variant_key(owner: Uuid, prototype_id: Uuid, id: Uuid) -> Item {
    key(keys::prototype_partition(owner, prototype_id), keys::variant(id))
}

pub fn version_key(owner: Uuid, prototype_id: Uuid, variant_id: Uuid, number: i64) -> Item {
    key(keys::prototype_partition(owner, prototype_id), keys::version(variant_id, number))
}

/// A transaction item that deletes the item at `key`, which must exist.
fn delete_existing_item(table: &Table, key: Item) -> TransactWriteItem {
    let delete = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(table.name())
        .set_key(Some(key))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("table and key are set");
    TransactWriteItem::builder().delete(delete).build()
}

fn map_all<T: serde::de::DeserializeOwned>(items: Vec<Item>) -> StoreResult<Vec<T>> {
    items.into_iter().map(|item| Ok(serde_dynamo::from_item(item)?)).collect()
}

/// `ADD <counter> :by` (and a new `updated_at`, when given) on an item that exists.
fn count(table: &Table, key: Item, counter: &str, by: i64, now: Option<OffsetDateTime>) -> Update {
    let mut changes = Changes::new().add(counter, n(by));
    if let Some(now) = now {
        changes = changes.set("updated_at", time_attr(now));
    }
    let update =
        Update::builder().table_name(table.name()).set_key(Some(key)).condition_expression("attribute_exists(PK)");
    changes.build(update).expect("something changes")
}

// Design projects.

pub async fn put_design(table: &Table, owner: Uuid, design: &DesignProjectItem) -> StoreResult<()> {
    super::put_owned(table, owner, serde_dynamo::to_item(design)?).await
}

pub async fn get_design(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<DesignProjectItem>> {
    super::get(table, design_key(owner, id)).await
}

/// Changes to a design project, a group or a prototype's own fields (`None`: as is).
#[derive(Debug, Default)]
pub struct Named {
    pub name: Option<String>,
    pub description: Option<String>,
}

impl Named {
    fn changes(self) -> Changes {
        let mut changes = Changes::new();
        if let Some(name) = self.name {
            changes = changes.set("name", s(name));
        }
        if let Some(description) = self.description {
            changes = changes.set("description", s(description));
        }
        changes
    }
}

pub async fn update_design(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    named: Named,
    now: OffsetDateTime,
) -> StoreResult<Option<DesignProjectItem>> {
    super::update_existing(table, design_key(owner, id), named.changes(), now).await
}

/// Deletes the design project item; what it was (its counts say how many prototypes and
/// groups to look for), or `None` if there was none. From then on nothing can be created
/// in it: every creation is conditioned on it.
pub async fn delete_design(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<DesignProjectItem>> {
    let result = table
        .delete_item()
        .set_key(Some(design_key(owner, id)))
        .condition_expression("attribute_exists(PK)")
        .return_values(ReturnValue::AllOld)
        .send()
        .await;
    match result {
        Ok(output) => Ok(Some(serde_dynamo::from_item(output.attributes.unwrap_or_default())?)),
        Err(err) if super::condition_failed(&err) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Deletes every item of a (deleted) design project's partition: its groups.
pub async fn delete_design_partition(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<()> {
    let items = super::query_prefix(table, keys::design_partition(owner, id), "", false).await?;
    super::batch_delete(table, super::keys_of(items)).await
}

// Groups.

/// Every group of the design project, by position (then age).
pub async fn groups(table: &Table, owner: Uuid, design_id: Uuid) -> StoreResult<Vec<GroupItem>> {
    let items = super::query_prefix(table, keys::design_partition(owner, design_id), keys::GROUP_PREFIX, false).await?;
    let mut groups: Vec<GroupItem> = map_all(items)?;
    groups.sort_by_key(|g| (g.position, g.id));
    Ok(groups)
}

pub async fn get_group(table: &Table, owner: Uuid, design_id: Uuid, id: Uuid) -> StoreResult<Option<GroupItem>> {
    super::get(table, group_key(owner, design_id, id)).await
}

/// Why a group was not created.
#[derive(Debug, PartialEq, Eq)]
pub enum GroupRefused {
    NotFound,
    TooMany,
}

/// Adds a group, counted on its design project (at most [`MAX_GROUPS`]).
pub async fn create_group(table: &Table, owner: Uuid, group: &GroupItem) -> StoreResult<Result<(), GroupRefused>> {
    let design = Update::builder()
        .table_name(table.name())
        .set_key(Some(design_key(owner, group.design_project_id)))
        .update_expression("ADD group_count :one SET updated_at = :now")
        .condition_expression("attribute_exists(PK) AND (attribute_not_exists(group_count) OR group_count < :max)")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(MAX_GROUPS))
        .expression_attribute_values(":now", time_attr(group.created_at))
        .build()
        .expect("table, key and expression are set");
    let items = vec![
        super::owner_live(table, owner),
        super::update_item(design),
        super::put_new_item(table, serde_dynamo::to_item(group)?),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(Ok(())),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if condition_failed_at(&err, 1) => {
            let exists = get_design(table, owner, group.design_project_id).await?.is_some();
            Ok(Err(if exists { GroupRefused::TooMany } else { GroupRefused::NotFound }))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn update_group(
    table: &Table,
    owner: Uuid,
    design_id: Uuid,
    id: Uuid,
    named: Named,
    position: Option<i64>,
    now: OffsetDateTime,
) -> StoreResult<Option<GroupItem>> {
    let mut changes = named.changes();
    if let Some(position) = position {
        changes = changes.set("position", n(position));
    }
    super::update_existing(table, group_key(owner, design_id, id), changes, now).await
}

/// Deletes a group (counted off its design project); what it was, or `None`.
pub async fn delete_group(
    table: &Table,
    owner: Uuid,
    design_id: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Option<GroupItem>> {
    let Some(group) = get_group(table, owner, design_id, id).await? else { return Ok(None) };
    let delete = delete_existing_item(table, group_key(owner, design_id, id));
    let items =
        vec![delete, super::update_item(count(table, design_key(owner, design_id), "group_count", -1, Some(now)))];
    match super::transact(table, items).await {
        Ok(_) => Ok(Some(group)),
        Err(err) if condition_failed_at(&err, 0) || condition_failed_at(&err, 1) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Takes a prototype out of a (deleted) group, if it is still in it.
pub async fn ungroup(table: &Table, owner: Uuid, prototype_id: Uuid, group_id: Uuid) -> StoreResult<()> {
    let result = table
        .update_item()
        .set_key(Some(prototype_key(owner, prototype_id)))
        .update_expression(format!("REMOVE group_id, {GSI2PK}, {GSI2SK} ADD revision :one"))
        .condition_expression("group_id = :group")
        .expression_attribute_values(":group", s(group_id.to_string()))
        .expression_attribute_values(":one", n(1))
        .send()
        .await;
    super::applied(result).map(|_| ())
}

// Prototypes.

pub async fn get_prototype(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<PrototypeItem>> {
    super::get(table, prototype_key(owner, id)).await
}

/// Up to `limit` prototypes of the design project as its index (GSI1) shows them.
pub async fn prototypes_of_design(
    table: &Table,
    owner: Uuid,
    design_id: Uuid,
    limit: usize,
) -> StoreResult<Vec<PrototypeItem>> {
    let query = table
        .query()
        .index_name(super::page::GSI1)
        .key_condition_expression(format!("{GSI1PK} = :pk"))
        .expression_attribute_values(":pk", s(keys::design_prototypes(owner, design_id)));
    super::query_all(query, limit).await
}

/// Up to `limit` prototypes of the group as its index (GSI2) shows them.
pub async fn prototypes_of_group(
    table: &Table,
    owner: Uuid,
    design_id: Uuid,
    group_id: Uuid,
    limit: usize,
) -> StoreResult<Vec<PrototypeItem>> {
    let query = table
        .query()
        .index_name(super::page::GSI2)
        .key_condition_expression(format!("{GSI2PK} = :pk"))
        .expression_attribute_values(":pk", s(keys::group_prototypes(owner, design_id, group_id)));
    super::query_all(query, limit).await
}

/// Every variant of the prototype, oldest (the original) first.
pub async fn variants(table: &Table, owner: Uuid, prototype_id: Uuid) -> StoreResult<Vec<VariantItem>> {
    map_all(
        super::query_prefix(table, keys::prototype_partition(owner, prototype_id), keys::VARIANT_PREFIX, false).await?,
    )
}

pub async fn get_variant(table: &Table, owner: Uuid, prototype_id: Uuid, id: Uuid) -> StoreResult<Option<VariantItem>> {
    super::get(table, variant_key(owner, prototype_id, id)).await
}

/// Every version of the variant, by number.
pub async fn versions(
    table: &Table,
    owner: Uuid,
    prototype_id: Uuid,
    variant_id: Uuid,
) -> StoreResult<Vec<VersionItem>> {
    let partition = keys::prototype_partition(owner, prototype_id);
    map_all(super::query_prefix(table, partition, &keys::versions_of(variant_id), false).await?)
}

pub async fn get_version(
    table: &Table,
    owner: Uuid,
    prototype_id: Uuid,
    variant_id: Uuid,
    number: i64,
) -> StoreResult<Option<VersionItem>> {
    super::get(table, version_key(owner, prototype_id, variant_id, number)).await
}

/// Changes to a prototype: its name, and its group (`Some(None)`: out of any group).
#[derive(Debug, Default)]
pub struct PrototypeChanges {
    pub name: Option<String>,
    pub group_id: Option<Option<Uuid>>,
}

/// Why a prototype change did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum MoveRefused {
    /// The prototype is gone.
    NotFound,
    /// The group it was to move into does not exist.
    GroupNotFound,
}

/// Applies `changes` to the prototype as read (`seen`): a move between groups counts
/// it off the old group (while that exists) and onto the new one, which must exist.
pub async fn update_prototype(
    table: &Table,
    owner: Uuid,
    seen: &PrototypeItem,
    changes: PrototypeChanges,
    now: OffsetDateTime,
) -> StoreResult<Result<PrototypeItem, MoveRefused>> {
    let mut update = Changes::new().add("revision", n(1)).set("updated_at", time_attr(now));
    if let Some(name) = &changes.name {
        update = update.set("name", s(name));
    }
    let moving = changes.group_id.filter(|group| *group != seen.group_id);
    let mut items = Vec::new();
    if let Some(group) = moving {
        update = match group {
            Some(group) => update
                .set("group_id", s(group.to_string()))
                .set(GSI2PK, s(keys::group_prototypes(owner, seen.design_project_id, group)))
                .set(GSI2SK, s(seen.id.to_string())),
            None => update.remove("group_id").remove(GSI2PK).remove(GSI2SK),
        };
    }
    // Item 0: the prototype, still in the group it was read in.
    let mut builder = Update::builder().table_name(table.name()).set_key(Some(prototype_key(owner, seen.id)));
    builder = match seen.group_id {
        Some(group) => builder
            .condition_expression("attribute_exists(PK) AND group_id = :seen_group")
            .expression_attribute_values(":seen_group", s(group.to_string())),
        None => builder.condition_expression("attribute_exists(PK) AND attribute_not_exists(group_id)"),
    };
    items.push(super::update_item(update.build(builder).expect("something changes")));
    // Item 1: the group it moves into; item 2: the one it leaves, while that exists.
    if let Some(group) = moving {
        if let Some(into) = group {
            items.push(super::update_item(count(
                table,
                group_key(owner, seen.design_project_id, into),
                "prototype_count",
                1,
                None,
            )));
        }
        if let Some(from) = seen.group_id {
            let from_key = group_key(owner, seen.design_project_id, from);
            if get_group(table, owner, seen.design_project_id, from).await?.is_some() {
                items.push(super::update_item(count(table, from_key, "prototype_count", -1, None)));
            }
        }
    }
    match super::transact(table, items).await {
        Ok(_) => {}
        Err(err) if condition_failed_at(&err, 0) => {
            // Gone, or moved meanwhile: read again.
            return match get_prototype(table, owner, seen.id).await? {
                None => Ok(Err(MoveRefused::NotFound)),
                Some(_) => Err(StoreError::Conflict(super::Conflict::Changed("prototype"))),
            };
        }
        Err(err) if matches!(moving, Some(Some(_))) && condition_failed_at(&err, 1) => {
            return Ok(Err(MoveRefused::GroupNotFound))
        }
        Err(err) if condition_failed_at(&err, 1) || condition_failed_at(&err, 2) => {
            // The group it left went meanwhile (and ungroups its prototypes by condition).
            return Err(StoreError::Conflict(super::Conflict::Changed("group")));
        }
        Err(err) => return Err(err.into()),
    }
    Ok(get_prototype(table, owner, seen.id).await?.ok_or(MoveRefused::NotFound))
}

/// What a finished generation stores: the version and, for a new variant (and a new
/// prototype), those too.
pub struct NewPage<'a> {
    pub owner: Uuid,
    pub version: &'a VersionItem,
    pub now: OffsetDateTime,
}

/// Why a generation's result was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreRefused {
    /// The design project, prototype or variant went away meanwhile.
    Gone,
    /// The group named went away meanwhile (the caller stores it ungrouped).
    GroupGone,
}

fn latest_version_attr(version: &VersionItem) -> StoreResult<aws_sdk_dynamodb::types::AttributeValue> {
    Ok(aws_sdk_dynamodb::types::AttributeValue::M(serde_dynamo::to_item(version.summary())?))
}

/// Stores a new prototype with its original variant and version 1, counted on the
/// design project (and its group). Items: 0 owner, 1 design project, 2 group (if any).
pub async fn create_prototype(
    table: &Table,
    prototype: &PrototypeItem,
    variant: &VariantItem,
    page: NewPage<'_>,
) -> StoreResult<Result<(), StoreRefused>> {
    let owner = page.owner;
    let mut items = vec![
        super::owner_live(table, owner),
        super::update_item(count(
            table,
            design_key(owner, prototype.design_project_id),
            "prototype_count",
            1,
            Some(page.now),
        )),
    ];
    if let Some(group) = prototype.group_id {
        let key = group_key(owner, prototype.design_project_id, group);
        items.push(super::update_item(count(table, key, "prototype_count", 1, None)));
    }
    items.push(super::put_new_item(table, prototype.to_item()?));
    items.push(super::put_new_item(table, serde_dynamo::to_item(variant)?));
    items.push(super::put_new_item(table, serde_dynamo::to_item(page.version)?));
    match super::transact(table, items).await {
        Ok(_) => Ok(Ok(())),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if condition_failed_at(&err, 1) => Ok(Err(StoreRefused::Gone)),
        Err(err) if prototype.group_id.is_some() && condition_failed_at(&err, 2) => Ok(Err(StoreRefused::GroupGone)),
        Err(err) => Err(err.into()),
    }
}

/// The prototype's side of a new version: its latest version, a new `updated_at`, and
/// `variants_count` moved by `new_variants`; it must exist.
fn prototype_gets(table: &Table, owner: Uuid, version: &VersionItem, new_variants: i64) -> StoreResult<Update> {
    let update = Update::builder()
        .table_name(table.name())
        .set_key(Some(prototype_key(owner, version.prototype_id)))
        .condition_expression("attribute_exists(PK)");
    let changes = Changes::new()
        .set("latest_version", latest_version_attr(version)?)
        .set("updated_at", time_attr(version.created_at))
        .add("revision", n(1))
        .add("variants_count", n(new_variants));
    Ok(changes.build(update).expect("something changes"))
}

/// Stores a new variant with its version 1. Items: 0 owner, 1 prototype.
pub async fn create_variant(
    table: &Table,
    variant: &VariantItem,
    page: NewPage<'_>,
) -> StoreResult<Result<(), StoreRefused>> {
    let owner = page.owner;
    let items = vec![
        super::owner_live(table, owner),
        super::update_item(prototype_gets(table, owner, page.version, 1)?),
        super::put_new_item(table, serde_dynamo::to_item(variant)?),
        super::put_new_item(table, serde_dynamo::to_item(page.version)?),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(Ok(())),
        Err(err) if condition_failed_at(&err, 0) => Err(StoreError::ConditionFailed(Condition::OwnerGone)),
        Err(err) if condition_failed_at(&err, 1) => Ok(Err(StoreRefused::Gone)),
        Err(err) => Err(err.into()),
    }
}

/// How often a new version is tried again after another one took its number.
const NUMBER_ATTEMPTS: usize = 20;

/// Stores `version` as the next version of its variant, whatever number that is when
/// it is stored: returns the version as stored (with its number). Items: 0 owner,
/// 1 variant (its number as read), 2 prototype.
pub async fn append_version(
    table: &Table,
    owner: Uuid,
    version: &VersionItem,
) -> StoreResult<Result<VersionItem, StoreRefused>> {
    for _ in 0..NUMBER_ATTEMPTS {
        let Some(variant) = get_variant(table, owner, version.prototype_id, version.variant_id).await? else {
            return Ok(Err(StoreRefused::Gone));
        };
        let number = variant.latest_version_number + 1;
        let version =
            VersionItem { sk: keys::version(version.variant_id, number), version_number: number, ..version.clone() };
        let variant_update = Update::builder()
            .table_name(table.name())
            .set_key(Some(variant_key(owner, version.prototype_id, version.variant_id)))
            .update_expression("SET latest_version_number = :number, latest_version = :latest ADD versions_count :one")
            .condition_expression("attribute_exists(PK) AND latest_version_number = :seen")
            .expression_attribute_values(":number", n(number))
            .expression_attribute_values(":seen", n(variant.latest_version_number))
            .expression_attribute_values(":latest", latest_version_attr(&version)?)
            .expression_attribute_values(":one", n(1))
            .build()
            .expect("table, key and expression are set");
        let items = vec![
            super::owner_live(table, owner),
            super::update_item(variant_update),
            super::update_item(prototype_gets(table, owner, &version, 0)?),
            super::put_new_item(table, serde_dynamo::to_item(&version)?),
        ];
        match super::transact(table, items).await {
            Ok(_) => return Ok(Ok(version)),
            Err(err) if condition_failed_at(&err, 0) => return Err(StoreError::ConditionFailed(Condition::OwnerGone)),
            // Another version took the number (or the variant went): read it again.
            Err(err) if condition_failed_at(&err, 1) => continue,
            Err(err) if condition_failed_at(&err, 2) => return Ok(Err(StoreRefused::Gone)),
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(super::Conflict::Changed("variant")))
}

/// Deletes a (non-original) variant with its versions: the variant item and the
/// prototype's count and latest version move in one transaction (conditioned on the
/// prototype as read), then its versions go. `false` when the variant is gone.
pub async fn delete_variant(
    table: &Table,
    owner: Uuid,
    prototype: &PrototypeItem,
    variant_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let mut seen = prototype.clone();
    for _ in 0..NUMBER_ATTEMPTS {
        let others: Vec<VariantItem> =
            variants(table, owner, seen.id).await?.into_iter().filter(|v| v.id != variant_id).collect();
        let latest = others
            .iter()
            .filter_map(|v| v.latest_version.clone())
            .max_by_key(|version| (version.created_at, version.id));
        let delete = delete_existing_item(table, variant_key(owner, seen.id, variant_id));
        let mut changes =
            Changes::new().add("variants_count", n(-1)).add("revision", n(1)).set("updated_at", time_attr(now));
        changes = match latest {
            Some(latest) => changes
                .set("latest_version", aws_sdk_dynamodb::types::AttributeValue::M(serde_dynamo::to_item(latest)?)),
            None => changes.remove("latest_version"),
        };
        let prototype_update = Update::builder()
            .table_name(table.name())
            .set_key(Some(prototype_key(owner, seen.id)))
            .condition_expression("attribute_exists(PK) AND revision = :seen_revision")
            .expression_attribute_values(":seen_revision", n(seen.revision));
        let items = vec![delete, super::update_item(changes.build(prototype_update).expect("something changes"))];
        match super::transact(table, items).await {
            Ok(_) => {
                let partition = keys::prototype_partition(owner, seen.id);
                let versions = super::query_prefix(table, partition, &keys::versions_of(variant_id), false).await?;
                super::batch_delete(table, super::keys_of(versions)).await?;
                return Ok(true);
            }
            Err(err) if condition_failed_at(&err, 0) => return Ok(false),
            Err(err) if condition_failed_at(&err, 1) => match get_prototype(table, owner, seen.id).await? {
                Some(now_seen) => seen = now_seen,
                None => return Ok(false),
            },
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(super::Conflict::Changed("prototype")))
}

/// Deletes a prototype: its item (counted off its design project and group, while they
/// exist) first, so nothing more can be stored in it, then its partition (variants and
/// versions). `false` when it was gone.
pub async fn delete_prototype(
    table: &Table,
    owner: Uuid,
    prototype: &PrototypeItem,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let delete = delete_existing_item(table, prototype_key(owner, prototype.id));
    let mut items = vec![delete];
    let design = design_key(owner, prototype.design_project_id);
    let (design_exists, group_exists) = tokio::try_join!(
        async { Ok::<_, StoreError>(super::get_raw(table, design.clone()).await?.is_some()) },
        async {
            match prototype.group_id {
                Some(group) => Ok(get_group(table, owner, prototype.design_project_id, group).await?.is_some()),
                None => Ok(false),
            }
        }
    )?;
    if design_exists {
        items.push(super::update_item(count(table, design, "prototype_count", -1, Some(now))));
    }
    if let (true, Some(group)) = (group_exists, prototype.group_id) {
        let key = group_key(owner, prototype.design_project_id, group);
        items.push(super::update_item(count(table, key, "prototype_count", -1, None)));
    }
    match super::transact(table, items).await {
        Ok(_) => {}
        Err(err) if condition_failed_at(&err, 0) => return Ok(false),
        Err(err) if (1..3).any(|i| condition_failed_at(&err, i)) => {
            // Its design project or group went meanwhile: the prototype goes on its own.
            if !super::delete_existing(table, prototype_key(owner, prototype.id)).await? {
                return Ok(false);
            }
        }
        Err(err) => return Err(err.into()),
    }
    delete_prototype_partition(table, owner, prototype.id).await?;
    Ok(true)
}

/// Deletes every item of a prototype's partition (its variants and versions).
pub async fn delete_prototype_partition(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<()> {
    let items = super::query_prefix(table, keys::prototype_partition(owner, id), "", false).await?;
    super::batch_delete(table, super::keys_of(items)).await
}
