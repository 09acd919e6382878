//! Message pairs, in their chat's own partition (`USER#<uid>#CHAT#<cid>` /
//! `PAIR#<pid>`), and the transactions that keep the chat's counters and the usage
//! figures in step with them.

use super::chats::{chat_key, ChatItem};
use super::page::{GSI1SK, GSI2SK};
use super::update::Changes;
use super::{condition_failed_at, key, keys, n, s, usage, Item};
use super::{StoreResult, Table};
use crate::model::{Block, PairStatus, Usage};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnValue, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub id: Uuid,
    pub chat_id: Uuid,
    pub hidden: bool,
    pub status: PairStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub user_message_id: Uuid,
    pub user_content: Vec<Block>,
    pub user_token_count: i64,
    pub assistant_message_id: Uuid,
    /// The answer (so far, while generating).
    pub assistant_text: String,
    pub assistant_token_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub assistant_created_at: OffsetDateTime,
    /// The model writing or that wrote the answer.
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
}

impl PairItem {
    /// Whether the model sees the pair in a later prompt: not hidden, and answered (the
    /// roles must alternate).
    pub fn is_visible(&self) -> bool {
        !self.hidden && !self.assistant_text.trim().is_empty()
    }

    /// Left `generating` by a generation that can no longer be running (its function
    /// timed out or died): older than the longest an answer may take (`longest`), and a
    /// minute.
    pub fn is_abandoned(&self, now: OffsetDateTime, longest: std::time::Duration) -> bool {
        self.status == PairStatus::Generating
            && now - self.assistant_created_at > longest + std::time::Duration::from_secs(60)
    }

    /// A pair whose answer is about to be generated.
    pub fn new(
        owner: Uuid,
        chat_id: Uuid,
        user_content: Vec<Block>,
        user_token_count: i64,
        model: &str,
        now: OffsetDateTime,
    ) -> Self {
        let id = Uuid::now_v7();
        Self {
            pk: keys::chat_partition(owner, chat_id),
            sk: keys::pair(id),
            id,
            chat_id,
            hidden: false,
            status: PairStatus::Generating,
            created_at: now,
            updated_at: now,
            user_message_id: Uuid::now_v7(),
            user_content,
            user_token_count,
            assistant_message_id: Uuid::now_v7(),
            assistant_text: String::new(),
            assistant_token_count: 0,
            assistant_created_at: now,
            model: Some(model.to_string()),
            stop_reason: None,
            input_tokens: 0,
            output_tokens: 0,
        }
    }

    /// The files attached to the user message.
    pub fn file_ids(&self) -> Vec<Uuid> {
        self.user_content
            .iter()
            .filter_map(|block| match block {
                Block::Image { file_id, .. } | Block::Document { file_id, .. } => Some(*file_id),
                Block::Text { .. } => None,
            })
            .collect()
    }

    /// The text of the user message (its text blocks, joined).
    pub fn user_text(&self) -> String {
        let texts: Vec<&str> = self
            .user_content
            .iter()
            .filter_map(|block| match block {
                Block::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        texts.join("\n\n")
    }
}

pub fn pair_key(owner: Uuid, chat_id: Uuid, pair_id: Uuid) -> Item {
    key(keys::chat_partition(owner, chat_id), keys::pair(pair_id))
}

fn status(value: PairStatus) -> AttributeValue {
    s(match value {
        PairStatus::Generating => "generating",
        PairStatus::Complete => "complete",
        PairStatus::Failed => "failed",
    })
}

/// Moves the chat to the top of its list (and counts `messages` more messages).
fn touch_chat(table: &Table, owner: Uuid, chat_id: Uuid, now: OffsetDateTime, messages: i64) -> Update {
    Update::builder()
        .table_name(table.name())
        .set_key(Some(chat_key(owner, chat_id)))
        .update_expression(format!(
            "SET updated_at = :now, {GSI1SK} = :order, {GSI2SK} = :order ADD message_count :messages"
        ))
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":now", super::time_attr(now))
        .expression_attribute_values(":order", s(keys::chat_update_order(super::millis(now), chat_id)))
        .expression_attribute_values(":messages", n(messages))
        .build()
        .expect("table, key and expression are set")
}

pub async fn get(table: &Table, owner: Uuid, chat_id: Uuid, pair_id: Uuid) -> StoreResult<Option<PairItem>> {
    super::get(table, pair_key(owner, chat_id, pair_id)).await
}

/// Every pair of the chat, oldest first; with `before`, only the pairs older than it.
pub async fn history(table: &Table, owner: Uuid, chat_id: Uuid, before: Option<Uuid>) -> StoreResult<Vec<PairItem>> {
    let high = match before {
        Some(pair) => keys::pair(pair),
        None => format!("{}~", keys::PAIR_PREFIX),
    };
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
        .expression_attribute_values(":pk", s(keys::chat_partition(owner, chat_id)))
        .expression_attribute_values(":low", s(keys::PAIR_PREFIX))
        .expression_attribute_values(":high", s(high))
        .consistent_read(true);
    let mut pairs: Vec<PairItem> = super::query_all(query, usize::MAX).await?;
    if let Some(before) = before {
        pairs.retain(|pair| pair.id != before);
    }
    Ok(pairs)
}

/// The pairs of the chat after `after` (every pair without it), oldest first.
pub async fn since(table: &Table, owner: Uuid, chat_id: Uuid, after: Option<Uuid>) -> StoreResult<Vec<PairItem>> {
    let low = match after {
        Some(pair) => keys::pair(pair),
        None => keys::PAIR_PREFIX.to_string(),
    };
    let query = table
        .query()
        .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
        .expression_attribute_values(":pk", s(keys::chat_partition(owner, chat_id)))
        .expression_attribute_values(":low", s(low))
        .expression_attribute_values(":high", s(format!("{}~", keys::PAIR_PREFIX)))
        .consistent_read(true);
    let mut pairs: Vec<PairItem> = super::query_all(query, usize::MAX).await?;
    if let Some(after) = after {
        pairs.retain(|pair| pair.id != after);
    }
    Ok(pairs)
}

/// Where a new pair goes: into a chat created with it, or an existing chat.
pub enum ChatWrite<'a> {
    Create(&'a ChatItem),
    Existing,
}

/// Stores a new pair (status `generating`) with its chat's counters, or the new chat
/// itself, and binds the message's files to the chat. `false` when the existing chat
/// is gone, a file went away meanwhile, or the account is gone or being deleted.
pub async fn begin(
    table: &Table,
    owner: Uuid,
    chat: ChatWrite<'_>,
    pair: &PairItem,
    files: &[Uuid],
) -> StoreResult<bool> {
    let chat_item = match chat {
        ChatWrite::Create(chat) => super::put_new_item(table, chat.to_item()?),
        ChatWrite::Existing => super::update_item(touch_chat(table, owner, pair.chat_id, pair.created_at, 2)),
    };
    let put_pair = super::put_new_item(table, serde_dynamo::to_item(pair)?);
    let new_in_project = match chat {
        ChatWrite::Create(chat) => chat.project_id,
        ChatWrite::Existing => None,
    };
    let mut items = vec![chat_item, put_pair];
    items.extend(files.iter().map(|id| super::update_item(super::files::attach(table, owner, *id, pair.chat_id))));
    if let Some(project) = new_in_project {
        items.push(super::update_item(super::projects::count_chat(table, owner, project, 1)));
    }
    items.push(super::owner_live(table, owner));
    let conditional = items.len();
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if condition_failed_at(&err, 0) || (2..conditional).any(|i| condition_failed_at(&err, i)) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Starts a new answer to an existing pair: its old answer (`replaces`, as read) goes.
/// `false` when the pair or its chat is gone, or another answer to it started since.
#[allow(clippy::too_many_arguments)]
pub async fn begin_regenerate(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    replaces: Uuid,
    assistant_message_id: Uuid,
    model: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let pair = Update::builder()
        .table_name(table.name())
        .set_key(Some(pair_key(owner, chat_id, pair_id)))
        .update_expression(
            "SET #status = :generating, assistant_message_id = :mid, assistant_text = :empty, \
             assistant_token_count = :zero, assistant_created_at = :now, updated_at = :now, #model = :model, \
             input_tokens = :zero, output_tokens = :zero REMOVE stop_reason",
        )
        .condition_expression("attribute_exists(PK) AND assistant_message_id = :replaces")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#model", "model")
        .expression_attribute_values(":generating", status(PairStatus::Generating))
        .expression_attribute_values(":mid", s(assistant_message_id.to_string()))
        .expression_attribute_values(":replaces", s(replaces.to_string()))
        .expression_attribute_values(":empty", s(""))
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":now", super::time_attr(now))
        .expression_attribute_values(":model", s(model))
        .build()
        .expect("table, key and expression are set");
    let items = vec![super::update_item(pair), super::update_item(touch_chat(table, owner, chat_id, now, 0))];
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if condition_failed_at(&err, 0) || condition_failed_at(&err, 1) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Saves the answer so far, while this generation (`assistant_message_id`) still owns
/// the pair. `false` when it no longer does (deleted, or already finished).
pub async fn save_partial(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    assistant_message_id: Uuid,
    text: &str,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    super::applied(
        table
            .update_item()
            .set_key(Some(pair_key(owner, chat_id, pair_id)))
            .update_expression("SET assistant_text = :text, updated_at = :now")
            .condition_expression("#status = :generating AND assistant_message_id = :mid")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":text", s(text))
            .expression_attribute_values(":now", super::time_attr(now))
            .expression_attribute_values(":generating", status(PairStatus::Generating))
            .expression_attribute_values(":mid", s(assistant_message_id.to_string()))
            .send()
            .await,
    )
}

/// How a generation ended.
pub struct Outcome<'a> {
    pub status: PairStatus,
    pub text: &'a str,
    pub token_count: i64,
    /// The user message's tokens, when they were not known yet as the pair was begun.
    pub user_token_count: Option<i64>,
    pub model: &'a str,
    pub stop_reason: Option<&'a str>,
    /// As the model reported it (zero when it failed before reporting).
    pub usage: Usage,
}

/// Stores the end of a generation: the answer and its figures on the pair, the chat's
/// totals, and the usage per chat and per day, in one transaction. When the pair or
/// chat went away meanwhile, only the user's daily usage is recorded (it was used);
/// when the account is gone or being deleted, nothing is.
pub async fn finish(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    assistant_message_id: Uuid,
    outcome: Outcome<'_>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let answer = Changes::new()
        .set("status", status(outcome.status))
        .set("assistant_text", s(outcome.text))
        .set("assistant_token_count", n(outcome.token_count))
        .set("model", s(outcome.model))
        .set("input_tokens", n(outcome.usage.input_tokens))
        .set("output_tokens", n(outcome.usage.output_tokens))
        .set("updated_at", super::time_attr(now))
        .set_or_remove("stop_reason", outcome.stop_reason.map(s))
        .value(":mid", s(assistant_message_id.to_string()));
    let answer = match outcome.user_token_count {
        Some(count) => answer.set("user_token_count", n(count)),
        None => answer,
    };
    let pair = Update::builder()
        .table_name(table.name())
        .set_key(Some(pair_key(owner, chat_id, pair_id)))
        .condition_expression("attribute_exists(PK) AND assistant_message_id = :mid");
    let pair = answer.build(pair).expect("the answer is set");
    let total = outcome.usage.input_tokens + outcome.usage.output_tokens;
    let chat = Update::builder()
        .table_name(table.name())
        .set_key(Some(chat_key(owner, chat_id)))
        .update_expression(
            "ADD total_tokens :total, input_tokens :input, output_tokens :output SET context_tokens = :context",
        )
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":total", n(total))
        .expression_attribute_values(":context", n(total))
        .expression_attribute_values(":input", n(outcome.usage.input_tokens))
        .expression_attribute_values(":output", n(outcome.usage.output_tokens))
        .build()
        .expect("table, key and expression are set");
    let date = now.date();
    let items = vec![
        super::update_item(pair),
        super::update_item(chat),
        super::update_item(usage::add_to_chat(table, owner, chat_id, outcome.model, outcome.usage)),
        super::update_item(usage::add_to_day(table, owner, date, outcome.model, outcome.usage)),
        super::owner_live(table, owner),
    ];
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        // The account is gone or going: nothing may be written under it any more.
        Err(err) if condition_failed_at(&err, 4) => Ok(false),
        Err(err) if condition_failed_at(&err, 0) || condition_failed_at(&err, 1) => {
            usage::record(table, owner, None, outcome.model, outcome.usage, date).await?;
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

/// Replaces the user message's content. `None` when there is no such pair.
pub async fn set_user_content(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    content: &[Block],
    token_count: i64,
    now: OffsetDateTime,
) -> StoreResult<Option<PairItem>> {
    let content = serde_dynamo::to_attribute_value(content)?;
    let result = table
        .update_item()
        .set_key(Some(pair_key(owner, chat_id, pair_id)))
        .update_expression("SET user_content = :content, user_token_count = :count, updated_at = :now")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":content", content)
        .expression_attribute_values(":count", n(token_count))
        .expression_attribute_values(":now", super::time_attr(now))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    super::updated(result)
}

/// Sets `hidden` if it still is `was`. `None` when the pair is gone or changed meanwhile.
pub async fn set_hidden(
    table: &Table,
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    was: bool,
    now: OffsetDateTime,
) -> StoreResult<Option<PairItem>> {
    let result = table
        .update_item()
        .set_key(Some(pair_key(owner, chat_id, pair_id)))
        .update_expression("SET #hidden = :hidden, updated_at = :now")
        .condition_expression("attribute_exists(PK) AND #hidden = :was")
        .expression_attribute_names("#hidden", "hidden")
        .expression_attribute_values(":hidden", AttributeValue::Bool(!was))
        .expression_attribute_values(":was", AttributeValue::Bool(was))
        .expression_attribute_values(":now", super::time_attr(now))
        .return_values(ReturnValue::AllNew)
        .send()
        .await;
    super::updated(result)
}

/// Deletes a pair and counts its two messages off the chat. `false` if there was none.
pub async fn delete(table: &Table, owner: Uuid, chat_id: Uuid, pair_id: Uuid) -> StoreResult<bool> {
    let delete = Delete::builder()
        .table_name(table.name())
        .set_key(Some(pair_key(owner, chat_id, pair_id)))
        .condition_expression("attribute_exists(PK)")
        .build()
        .expect("table and key are set");
    let chat = Update::builder()
        .table_name(table.name())
        .set_key(Some(chat_key(owner, chat_id)))
        .update_expression("ADD message_count :minus")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":minus", n(-2))
        .build()
        .expect("table, key and expression are set");
    let items = vec![TransactWriteItem::builder().delete(delete).build(), super::update_item(chat)];
    match super::transact(table, items).await {
        Ok(_) => Ok(true),
        Err(err) if condition_failed_at(&err, 0) || condition_failed_at(&err, 1) => Ok(false),
        Err(err) => Err(err.into()),
    }
}
