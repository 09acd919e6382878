//! Projects (`USER#<uid>` / `PROJECT#<pid>`) and their knowledge
//! (`USER#<uid>#PROJECT#<pid>` / `KNOWLEDGE#<kid>`). The project's counters
//! (`knowledge_count`, `total_knowledge_tokens`, `included_tokens`, `chat_count`) move
//! with `ADD` in the same transaction as the write they count; the limit on included
//! tokens is a condition on the project in that transaction, so concurrent adds
//! cannot pass it together.

use super::update::Changes;
use super::{condition_failed_at, key, keys, n, s, Item};
use super::{StoreError, StoreResult, Table};
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub instructions: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub chat_count: i64,
    #[serde(default)]
    pub knowledge_count: i64,
    /// Tokens of all knowledge items.
    #[serde(default)]
    pub total_knowledge_tokens: i64,
    /// Tokens of the knowledge included in chat (what the limit applies to).
    #[serde(default)]
    pub included_tokens: i64,
}

impl ProjectItem {
    pub fn new(owner: Uuid, name: String, description: String, instructions: String, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::project(id),
            id,
            name,
            description,
            instructions,
            created_at: now,
            updated_at: now,
            chat_count: 0,
            knowledge_count: 0,
            total_knowledge_tokens: 0,
            included_tokens: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KnowledgeItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub content: String,
    pub include_in_chat: bool,
    pub token_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl KnowledgeItem {
    pub fn new(
        owner: Uuid,
        project_id: Uuid,
        title: String,
        content: String,
        include_in_chat: bool,
        token_count: i64,
        now: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::project_partition(owner, project_id),
            sk: keys::knowledge(id),
            id,
            project_id,
            title,
            content,
            include_in_chat,
            token_count,
            created_at: now,
            updated_at: now,
        }
    }
}

pub fn project_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::project(id))
}

pub fn knowledge_key(owner: Uuid, project_id: Uuid, id: Uuid) -> Item {
    key(keys::project_partition(owner, project_id), keys::knowledge(id))
}

pub async fn put(table: &Table, owner: Uuid, project: &ProjectItem) -> StoreResult<()> {
    super::put_owned(table, owner, serde_dynamo::to_item(project)?).await
}

/// Stores an imported project unless it is there already: `false` when it is (an
/// earlier import of the same project).
pub async fn put_imported(table: &Table, owner: Uuid, project: &ProjectItem) -> StoreResult<bool> {
    super::put_owned_if_absent(table, owner, serde_dynamo::to_item(project)?).await
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<ProjectItem>> {
    super::get(table, project_key(owner, id)).await
}

pub async fn get_knowledge(
    table: &Table,
    owner: Uuid,
    project_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<KnowledgeItem>> {
    super::get(table, knowledge_key(owner, project_id, id)).await
}

/// Every knowledge item of the project, oldest first.
pub async fn all_knowledge(table: &Table, owner: Uuid, project_id: Uuid) -> StoreResult<Vec<KnowledgeItem>> {
    super::query_prefix(table, keys::project_partition(owner, project_id), keys::KNOWLEDGE_PREFIX, false)
        .await?
        .into_iter()
        .map(|item| Ok(serde_dynamo::from_item(item)?))
        .collect()
}

/// Changes to a project's own fields.
#[derive(Debug, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub instructions: Option<String>,
}

/// Applies `changes`; `None` if there is no such project. Nothing to change writes
/// nothing.
pub async fn update(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    changes: ProjectChanges,
    now: OffsetDateTime,
) -> StoreResult<Option<ProjectItem>> {
    let mut update = Changes::new();
    if let Some(name) = changes.name {
        update = update.set("name", s(name));
    }
    if let Some(description) = changes.description {
        update = update.set("description", s(description));
    }
    if let Some(instructions) = changes.instructions {
        update = update.set("instructions", s(instructions));
    }
    super::update_existing(table, project_key(owner, id), update, now).await
}

/// Why a knowledge write did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum KnowledgeRefused {
    /// The project (or the item) is gone.
    NotFound,
    /// Included knowledge would pass the limit.
    OverLimit,
    /// The item changed since it was read; read it again.
    Changed,
}

/// The project's counters moved by a knowledge write, with the limit as its condition.
struct CounterChange {
    count: i64,
    total: i64,
    included: i64,
}

fn project_counters(
    table: &Table,
    owner: Uuid,
    project_id: Uuid,
    change: CounterChange,
    limit: i64,
    now: OffsetDateTime,
) -> Update {
    let mut builder = Update::builder()
        .table_name(table.name())
        .set_key(Some(project_key(owner, project_id)))
        .update_expression(
            "SET updated_at = :now ADD knowledge_count :count, total_knowledge_tokens :total, included_tokens :included",
        )
        .expression_attribute_values(":now", super::time_attr(now))
        .expression_attribute_values(":count", n(change.count))
        .expression_attribute_values(":total", n(change.total))
        .expression_attribute_values(":included", n(change.included));
    builder = if change.included > 0 {
        // included + change <= limit, without arithmetic in the condition.
        builder
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(included_tokens) OR included_tokens <= :room)",
            )
            .expression_attribute_values(":room", n(limit - change.included))
    } else {
        builder.condition_expression("attribute_exists(PK)")
    };
    builder.build().expect("table, key and expression are set")
}

/// Runs a knowledge write with its counter change; item 0 is the project, item 1 the
/// knowledge item, and item 2, when a new item is added, the owner's liveness.
async fn run(table: &Table, items: Vec<TransactWriteItem>) -> StoreResult<Result<(), KnowledgeRefused>> {
    match super::transact(table, items).await {
        Ok(_) => Ok(Ok(())),
        Err(err) if condition_failed_at(&err, 2) => Err(StoreError::ConditionFailed(super::Condition::OwnerGone)),
        Err(err) if condition_failed_at(&err, 1) => Ok(Err(KnowledgeRefused::Changed)),
        Err(err) if condition_failed_at(&err, 0) => Ok(Err(KnowledgeRefused::OverLimit)),
        Err(err) => Err(err.into()),
    }
}

/// Adds a knowledge item. `OverLimit` (or `NotFound`, told apart by the caller's read).
pub async fn add_knowledge(
    table: &Table,
    owner: Uuid,
    project: &ProjectItem,
    item: &KnowledgeItem,
    limit: i64,
) -> StoreResult<Result<(), KnowledgeRefused>> {
    let included = if item.include_in_chat { item.token_count } else { 0 };
    let change = CounterChange { count: 1, total: item.token_count, included };
    let items = vec![
        super::update_item(project_counters(table, owner, project.id, change, limit, item.created_at)),
        super::put_new_item(table, serde_dynamo::to_item(item)?),
        super::owner_live(table, owner),
    ];
    run(table, items).await
}

/// Replaces a knowledge item by `new` (same id), if it still is `old`.
pub async fn replace_knowledge(
    table: &Table,
    owner: Uuid,
    project: &ProjectItem,
    old: &KnowledgeItem,
    new: &KnowledgeItem,
    limit: i64,
) -> StoreResult<Result<(), KnowledgeRefused>> {
    let included = |k: &KnowledgeItem| if k.include_in_chat { k.token_count } else { 0 };
    let change =
        CounterChange { count: 0, total: new.token_count - old.token_count, included: included(new) - included(old) };
    let put = Put::builder()
        .table_name(table.name())
        .set_item(Some(serde_dynamo::to_item(new)?))
        .condition_expression("attribute_exists(PK) AND updated_at = :seen")
        .expression_attribute_values(":seen", super::time_attr(old.updated_at))
        .build()
        .expect("table and item are set");
    let items = vec![
        super::update_item(project_counters(table, owner, project.id, change, limit, new.updated_at)),
        TransactWriteItem::builder().put(put).build(),
    ];
    run(table, items).await
}

/// Deletes a knowledge item (as read) and counts it off the project.
pub async fn delete_knowledge(
    table: &Table,
    owner: Uuid,
    project: &ProjectItem,
    old: &KnowledgeItem,
    now: OffsetDateTime,
) -> StoreResult<Result<(), KnowledgeRefused>> {
    let included = if old.include_in_chat { old.token_count } else { 0 };
    let change = CounterChange { count: -1, total: -old.token_count, included: -included };
    let delete = Delete::builder()
        .table_name(table.name())
        .set_key(Some(knowledge_key(owner, project.id, old.id)))
        .condition_expression("attribute_exists(PK) AND updated_at = :seen")
        .expression_attribute_values(":seen", super::time_attr(old.updated_at))
        .build()
        .expect("table and key are set");
    let items = vec![
        super::update_item(project_counters(table, owner, project.id, change, i64::MAX, now)),
        TransactWriteItem::builder().delete(delete).build(),
    ];
    run(table, items).await
}

/// Deletes the project and its knowledge. `false` if there was no such project.
pub async fn delete(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    if !super::delete_existing(table, project_key(owner, id)).await? {
        return Ok(false);
    }
    let partition = keys::project_partition(owner, id);
    let contents = super::query_prefix(table, partition, "", false).await?;
    super::batch_delete(table, super::keys_of(contents)).await?;
    Ok(true)
}

/// Moves the project's chat count (a chat joined or left it), as part of a transaction.
pub fn count_chat(table: &Table, owner: Uuid, project_id: Uuid, by: i64) -> Update {
    Update::builder()
        .table_name(table.name())
        .set_key(Some(project_key(owner, project_id)))
        .update_expression("ADD chat_count :by")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":by", n(by))
        .build()
        .expect("table, key and expression are set")
}
