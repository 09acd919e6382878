//! Chats, under their owner (`USER#<uid>` / `CHAT#<cid>`), indexed by last update in
//! GSI1 (the user's chats) and, while in a project, in GSI2 (the project's chats), in
//! separate partitions for live and archived chats.

use super::page::{GSI1PK, GSI1SK, GSI2PK, GSI2SK};
use super::update::Changes;
use super::{key, keys, n, s, Item};
use super::{StoreError, StoreResult, Table};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChatItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    /// Set while the chat is in a project: its place in the project's list (GSI2).
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: Uuid,
    pub owner: Uuid,
    pub title: String,
    /// Lower-cased title, for case-insensitive search.
    pub title_search: String,
    /// Set once the user (not the titling worker) chose the title.
    #[serde(default)]
    pub title_set_by_user: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Uuid>,
    pub system_prompt: Option<String>,
    pub archived: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(default)]
    pub message_count: i64,
    #[serde(default)]
    pub total_tokens: i64,
    /// Input plus output tokens of the latest answer.
    #[serde(default)]
    pub context_tokens: i64,
    /// What the models reported, in all (the project's usage adds these up).
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    /// When memory extraction was last asked for (epoch ms): a queued extraction job
    /// carries the same value, and an automatic one older than this marker does
    /// nothing (a later answer queued a newer one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_requested_at: Option<i64>,
    /// The last pair memory extraction has read; the next extraction reads the pairs
    /// after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memories_extracted_through: Option<Uuid>,
    /// When memory extraction last finished for this chat (whether or not it learned
    /// anything).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub memories_extracted_at: Option<OffsetDateTime>,
}

impl ChatItem {
    pub fn new(owner: Uuid, title: String, title_set_by_user: bool, now: OffsetDateTime) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::user(owner),
            sk: keys::chat(id),
            gsi1pk: keys::chats_by_update(owner, false),
            gsi1sk: keys::chat_update_order(super::millis(now), id),
            gsi2pk: None,
            gsi2sk: None,
            id,
            owner,
            title_search: title.to_lowercase(),
            title,
            title_set_by_user,
            project_id: None,
            system_prompt: None,
            archived: false,
            created_at: now,
            updated_at: now,
            message_count: 0,
            total_tokens: 0,
            context_tokens: 0,
            input_tokens: 0,
            output_tokens: 0,
            memory_requested_at: None,
            memories_extracted_through: None,
            memories_extracted_at: None,
        }
    }

    /// The item as stored, with its index keys derived from its fields (its list, live
    /// or archived; its project's list, while in one; both ordered by last update).
    pub fn to_item(&self) -> StoreResult<Item> {
        let order = keys::chat_update_order(super::millis(self.updated_at), self.id);
        let chat = ChatItem {
            gsi1pk: keys::chats_by_update(self.owner, self.archived),
            gsi1sk: order.clone(),
            gsi2pk: self.project_id.map(|project| keys::project_chats_by_update(self.owner, project, self.archived)),
            gsi2sk: self.project_id.map(|_| order),
            ..self.clone()
        };
        Ok(serde_dynamo::to_item(chat)?)
    }
}

pub fn chat_key(owner: Uuid, id: Uuid) -> Item {
    key(keys::user(owner), keys::chat(id))
}

/// Stores a new chat, counted in its project. `false` when the project is gone.
pub async fn put(table: &Table, chat: &ChatItem) -> StoreResult<bool> {
    let Some(project) = chat.project_id else {
        super::put_owned(table, chat.owner, chat.to_item()?).await?;
        return Ok(true);
    };
    let items = vec![
        super::owner_live(table, chat.owner),
        super::put_new_item(table, chat.to_item()?),
        super::update_item(super::projects::count_chat(table, chat.owner, project, 1)),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if super::condition_failed_at(&err, 0) => {
            Err(StoreError::ConditionFailed(super::Condition::OwnerGone))
        }
        Err(err) if super::condition_failed_at(&err, 2) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Stores an imported chat unless it is there already: `false` when it is (an earlier
/// import of the same conversation). In a project, it is counted there; a project gone
/// meanwhile leaves it out of any.
pub async fn put_imported(table: &Table, owner: Uuid, chat: &ChatItem) -> StoreResult<bool> {
    let Some(project) = chat.project_id else {
        return super::put_owned_if_absent(table, owner, chat.to_item()?).await;
    };
    let items = vec![
        super::owner_live(table, owner),
        super::put_new_item(table, chat.to_item()?),
        super::update_item(super::projects::count_chat(table, owner, project, 1)),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if super::condition_failed_at(&err, 0) => {
            Err(StoreError::ConditionFailed(super::Condition::OwnerGone))
        }
        Err(err) if super::condition_failed_at(&err, 1) => Ok(false),
        Err(err) if super::condition_failed_at(&err, 2) => {
            let alone = ChatItem { project_id: None, ..chat.clone() };
            super::put_owned_if_absent(table, owner, alone.to_item()?).await
        }
        Err(err) => Err(err.into()),
    }
}

/// A transaction item that holds while the chat exists.
pub fn exists(table: &Table, owner: Uuid, id: Uuid) -> TransactWriteItem {
    let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
        .table_name(table.name())
        .set_key(Some(chat_key(owner, id)))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("table, key and condition are set");
    TransactWriteItem::builder().condition_check(check).build()
}

pub async fn get(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<Option<ChatItem>> {
    super::get(table, chat_key(owner, id)).await
}

/// Changes to a chat. `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct ChatChanges {
    pub title: Option<String>,
    pub system_prompt: Option<Option<String>>,
    pub project_id: Option<Option<Uuid>>,
    pub archived: Option<bool>,
}

impl ChatChanges {
    fn is_empty(&self) -> bool {
        self.title.is_none() && self.system_prompt.is_none() && self.project_id.is_none() && self.archived.is_none()
    }
}

/// What became of a chat update.
pub enum Updated {
    Chat(Box<ChatItem>),
    NotFound,
    /// The project it was to move into is gone.
    ProjectGone,
}

/// Where a chat is listed: its project (if any) and whether it is archived.
#[derive(Clone, Copy)]
struct Placement {
    project: Option<Uuid>,
    archived: bool,
}

/// The update for `changes`, always bumping `updated_at` and the chat's place in its
/// lists; with the chat's `placement` after the change when that changes (which list
/// of the user's, which of its project's).
fn expression(
    owner: Uuid,
    id: Uuid,
    changes: &ChatChanges,
    placement: Option<Placement>,
    now: OffsetDateTime,
) -> Changes {
    let order = s(keys::chat_update_order(super::millis(now), id));
    let mut update =
        Changes::new().set("updated_at", super::time_attr(now)).set(GSI1SK, order.clone()).set(GSI2SK, order);
    if let Some(title) = &changes.title {
        update = update
            .set("title", s(title))
            .set("title_search", s(title.to_lowercase()))
            .set("title_set_by_user", AttributeValue::Bool(true));
    }
    if let Some(prompt) = &changes.system_prompt {
        update = update.set_or_remove("system_prompt", prompt.clone().map(s));
    }
    if let Some(Placement { project, archived }) = placement {
        if changes.project_id.is_some() {
            update = update.set_or_remove("project_id", project.map(|p| s(p.to_string())));
        }
        if changes.archived.is_some() {
            update = update
                .set("archived", AttributeValue::Bool(archived))
                .set(GSI1PK, s(keys::chats_by_update(owner, archived)));
        }
        let project_list = project.map(|p| s(keys::project_chats_by_update(owner, p, archived)));
        update = update.set_or_remove(GSI2PK, project_list);
    }
    update
}

fn update_chat(
    table: &Table,
    owner: Uuid,
    id: Uuid,
) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
    table.update_item().set_key(Some(chat_key(owner, id))).return_values(ReturnValue::AllNew)
}

fn found(chat: Option<ChatItem>) -> Updated {
    chat.map_or(Updated::NotFound, |chat| Updated::Chat(Box::new(chat)))
}

/// The condition that the chat is still in `project` (as read).
fn in_project(project: Option<Uuid>, update: Changes) -> (&'static str, Changes) {
    match project {
        Some(old) => ("project_id = :old_project", update.value(":old_project", s(old.to_string()))),
        None => (
            "(attribute_not_exists(project_id) OR attribute_type(project_id, :null))",
            update.value(":null", s("NULL")),
        ),
    }
}

/// Applies `changes`. Nothing to change writes nothing. A change of project or of
/// archived moves the chat between lists, so it is made on condition that the chat is
/// still where it was read; a move between projects moves the projects' chat counts
/// in the same transaction.
pub async fn update(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    changes: ChatChanges,
    now: OffsetDateTime,
) -> StoreResult<Updated> {
    if changes.is_empty() {
        return Ok(found(get(table, owner, id).await?));
    }
    if changes.project_id.is_none() && changes.archived.is_none() {
        let request = expression(owner, id, &changes, None, now)
            .apply(update_chat(table, owner, id).condition_expression("attribute_exists(PK)"))
            .expect("the update time always changes");
        return Ok(found(super::updated(request.send().await)?));
    }
    for _ in 0..3 {
        let Some(chat) = get(table, owner, id).await? else { return Ok(Updated::NotFound) };
        let old_project = chat.project_id;
        let new_project = changes.project_id.unwrap_or(old_project);
        let placement = Placement { project: new_project, archived: changes.archived.unwrap_or(chat.archived) };
        let update = expression(owner, id, &changes, Some(placement), now)
            .value(":was_archived", AttributeValue::Bool(chat.archived));
        let (project_condition, update) = in_project(old_project, update);
        let condition = format!("attribute_exists(PK) AND archived = :was_archived AND {project_condition}");
        if old_project == new_project {
            let request = update
                .apply(update_chat(table, owner, id).condition_expression(condition))
                .expect("the update time always changes");
            match super::updated(request.send().await)? {
                Some(chat) => return Ok(Updated::Chat(Box::new(chat))),
                // Gone, or moved meanwhile: read again.
                None => continue,
            }
        }
        let chat_update = Update::builder()
            .table_name(table.name())
            .set_key(Some(chat_key(owner, id)))
            .condition_expression(condition);
        let chat_update = update.build(chat_update).expect("the update time always changes");
        let mut items = vec![super::update_item(chat_update)];
        if let Some(old) = old_project {
            // A deleted project detached its chats first; only a live one is counted down.
            if super::projects::get(table, owner, old).await?.is_some() {
                items.push(super::update_item(super::projects::count_chat(table, owner, old, -1)));
            }
        }
        let new_index = items.len();
        if let Some(new) = new_project {
            items.push(super::update_item(super::projects::count_chat(table, owner, new, 1)));
        }
        match super::transact(table, items).await {
            Ok(_) => return Ok(found(get(table, owner, id).await?)),
            Err(err) if new_project.is_some() && super::condition_failed_at(&err, new_index) => {
                return Ok(Updated::ProjectGone)
            }
            // The chat moved or the old project went meanwhile: read again.
            Err(err) if (0..new_index).any(|i| super::condition_failed_at(&err, i)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(super::Conflict::Changed("chat")))
}

/// Deletes the chat item, counting it off its project in the same transaction.
pub(super) async fn delete_counted(table: &Table, owner: Uuid, id: Uuid) -> StoreResult<bool> {
    for _ in 0..3 {
        let Some(chat) = get(table, owner, id).await? else { return Ok(false) };
        let Some(project) = chat.project_id else {
            if super::applied(
                table.delete_item()
                    .set_key(Some(chat_key(owner, id)))
                    .condition_expression(
                        "attribute_exists(PK) AND (attribute_not_exists(project_id) OR attribute_type(project_id, :null))",
                    )
                    .expression_attribute_values(":null", s("NULL"))
                    .send()
                    .await,
            )? {
                return Ok(true);
            }
            continue;
        };
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(table.name())
            .set_key(Some(chat_key(owner, id)))
            .condition_expression("attribute_exists(PK) AND project_id = :project")
            .expression_attribute_values(":project", s(project.to_string()))
            .build()
            .expect("table and key are set");
        let mut items = vec![TransactWriteItem::builder().delete(delete).build()];
        // A deleted project detached its chats first; only a live one is counted down.
        if super::projects::get(table, owner, project).await?.is_some() {
            items.push(super::update_item(super::projects::count_chat(table, owner, project, -1)));
        }
        match super::transact(table, items).await {
            Ok(_) => return Ok(true),
            Err(err) if super::condition_failed_at(&err, 0) || super::condition_failed_at(&err, 1) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(super::Conflict::Changed("chat")))
}

/// Takes every chat out of the project (it is being deleted; the chats stay).
pub async fn detach_all(table: &Table, owner: Uuid, project_id: Uuid) -> StoreResult<()> {
    for chat in of_project(table, owner, project_id).await? {
        let result = table
            .update_item()
            .set_key(Some(chat_key(owner, chat.id)))
            .update_expression(format!("REMOVE project_id, {GSI2PK}"))
            .condition_expression("project_id = :project")
            .expression_attribute_values(":project", s(project_id.to_string()))
            .send()
            .await;
        super::applied(result)?;
    }
    Ok(())
}

/// Every chat of the project, live or archived.
pub async fn of_project(table: &Table, owner: Uuid, project_id: Uuid) -> StoreResult<Vec<ChatItem>> {
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .filter_expression("project_id = :project")
        .expression_attribute_values(":pk", s(keys::user(owner)))
        .expression_attribute_values(":prefix", s(keys::CHAT_PREFIX))
        .expression_attribute_values(":project", s(project_id.to_string()));
    super::query_all(query, usize::MAX).await
}

/// Sets a generated title unless the user has chosen one (or the chat is gone).
/// `true` if the title was set.
pub async fn set_generated_title(table: &Table, owner: Uuid, id: Uuid, title: &str) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(chat_key(owner, id)))
        .update_expression("SET title = :title, title_search = :search")
        .condition_expression("attribute_exists(PK) AND title_set_by_user = :false")
        .expression_attribute_values(":title", s(title))
        .expression_attribute_values(":search", s(title.to_lowercase()))
        .expression_attribute_values(":false", AttributeValue::Bool(false))
        .send()
        .await;
    super::applied(result)
}

/// Marks the chat as due for memory extraction, asked for at `requested_at` (epoch ms).
/// `false` when the chat is gone.
pub async fn request_memories(table: &Table, owner: Uuid, id: Uuid, requested_at: i64) -> StoreResult<bool> {
    let result = table
        .update_item()
        .set_key(Some(chat_key(owner, id)))
        .update_expression("SET memory_requested_at = :at")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":at", n(requested_at))
        .send()
        .await;
    super::applied(result)
}

/// Records a finished memory extraction at `now`, which read the pairs up to `through`
/// (when it read any). `false` when the chat is gone.
pub async fn memories_extracted(
    table: &Table,
    owner: Uuid,
    id: Uuid,
    through: Option<Uuid>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let at_only = || {
        table
            .update_item()
            .set_key(Some(chat_key(owner, id)))
            .condition_expression("attribute_exists(PK)")
            .update_expression("SET memories_extracted_at = :now")
            .expression_attribute_values(":now", super::time_attr(now))
    };
    let Some(through) = through else { return super::applied(at_only().send().await) };
    // The mark only moves forward (pair ids are time-ordered): an extraction that read
    // less than one that finished before it leaves the mark where it is.
    let forward = table
        .update_item()
        .set_key(Some(chat_key(owner, id)))
        .condition_expression(
            "attribute_exists(PK) AND (attribute_not_exists(memories_extracted_through) OR \
             memories_extracted_through <= :through)",
        )
        .update_expression("SET memories_extracted_at = :now, memories_extracted_through = :through")
        .expression_attribute_values(":now", super::time_attr(now))
        .expression_attribute_values(":through", s(through.to_string()))
        .send()
        .await;
    if super::applied(forward)? {
        return Ok(true);
    }
    super::applied(at_only().send().await)
}
