//! A chat's messages: the list of pairs, editing a user message, hiding a pair from
//! the model, deleting a pair, and the chat's token usage.

use super::api::{Block, ChatUsage, EditPairRequest, ModelUsage, Pair, PairList};
use crate::domain::MAX_MESSAGE_CHARS;
use crate::domain::{required_text, PageQuery, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::page::{self, ListSpec};
use crate::store::pairs::{self, PairItem};
use crate::store::{chats, keys, usage};
use crate::Deps;
use futures::TryFutureExt;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The chat must be the caller's: another user's is as unknown as a missing one.
async fn require_chat(deps: &Deps, owner: Uuid, chat_id: Uuid) -> ApiResult<chats::ChatItem> {
    chats::get(&deps.table, owner, chat_id).await?.ok_or_else(ApiError::not_found)
}

/// GET /chats/{id}/messages: pairs, oldest first.
pub async fn list(deps: &Deps, owner: Uuid, chat_id: Uuid, page: PageQuery) -> ApiResult<PairList> {
    let partition = keys::chat_partition(owner, chat_id);
    let spec = ListSpec::table(&partition, keys::PAIR_PREFIX);
    let request = crate::domain::page_request(page.limit, page.cursor.as_deref(), &spec)?;
    let (_, (items, next_cursor)) = tokio::try_join!(
        require_chat(deps, owner, chat_id),
        page::query::<PairItem>(&deps.table, &spec, false, &request, None).err_into::<ApiError>()
    )?;
    // An answer whose generation died shows as what it is: failed, its text kept.
    let items = items
        .into_iter()
        .map(|mut pair| {
            if pair.is_abandoned(deps.clock.now(), deps.config.stream_max_duration) {
                pair.status = super::api::PairStatus::Failed;
            }
            Pair::from(pair)
        })
        .collect();
    Ok(PairList { items, next_cursor })
}

/// PATCH /chats/{id}/pairs/{pair_id}: new text for the user message; attachments stay.
pub async fn edit(deps: &Deps, owner: Uuid, chat_id: Uuid, pair_id: Uuid, req: EditPairRequest) -> ApiResult<Pair> {
    crate::tokens::warm_up();
    let mut v = Validator::default();
    let text = v.check("text", required_text(&req.text, MAX_MESSAGE_CHARS, false));
    v.finish()?;
    let text = text.unwrap_or_default();
    let pair = pairs::get(&deps.table, owner, chat_id, pair_id).await?.ok_or_else(ApiError::not_found)?;
    // The text replaces the message's text blocks, where the first one was.
    let mut content: Vec<Block> = Vec::with_capacity(pair.user_content.len());
    let mut placed = false;
    for block in pair.user_content {
        match block {
            Block::Text { .. } if placed => {}
            Block::Text { .. } => {
                content.push(Block::Text { text: text.clone() });
                placed = true;
            }
            other => content.push(other),
        }
    }
    if !placed {
        content.push(Block::Text { text: text.clone() });
    }
    crate::tokens::ready().await;
    let tokens = crate::tokens::count(&text) as i64;
    let updated =
        pairs::set_user_content(&deps.table, owner, chat_id, pair_id, &content, tokens, deps.clock.now()).await?;
    Ok(updated.ok_or_else(ApiError::not_found)?.into())
}

/// POST /chats/{id}/pairs/{pair_id}/toggle: flips `hidden`.
pub async fn toggle(deps: &Deps, owner: Uuid, chat_id: Uuid, pair_id: Uuid) -> ApiResult<Pair> {
    // Read, then flip on the condition that nobody flipped it meanwhile.
    for _ in 0..3 {
        let pair = pairs::get(&deps.table, owner, chat_id, pair_id).await?.ok_or_else(ApiError::not_found)?;
        if let Some(updated) =
            pairs::set_hidden(&deps.table, owner, chat_id, pair_id, pair.hidden, deps.clock.now()).await?
        {
            return Ok(updated.into());
        }
    }
    Err(ApiError::conflict("conflict", "The message changed meanwhile; try again."))
}

/// DELETE /chats/{id}/pairs/{pair_id}.
pub async fn delete(deps: &Deps, owner: Uuid, chat_id: Uuid, pair_id: Uuid) -> ApiResult<()> {
    let pair = pairs::get(&deps.table, owner, chat_id, pair_id).await?.ok_or_else(ApiError::not_found)?;
    if !pairs::delete(&deps.table, owner, chat_id, pair_id).await? {
        return Err(ApiError::not_found());
    }
    // Its attachments go to the cleanup job.
    Ok(crate::store::files::mark_chat_deleted(&deps.table, owner, chat_id, &pair.file_ids(), deps.clock.now()).await?)
}

/// GET /chats/{id}/usage: what the model reported for this chat, per model.
pub async fn chat_usage(deps: &Deps, owner: Uuid, chat_id: Uuid) -> ApiResult<ChatUsage> {
    let (chat, items) = tokio::try_join!(
        require_chat(deps, owner, chat_id),
        usage::of_chat(&deps.table, owner, chat_id).err_into::<ApiError>()
    )?;
    let mut by_model = BTreeMap::new();
    let (mut input, mut output) = (0, 0);
    for item in items {
        input += item.input_tokens;
        output += item.output_tokens;
        by_model.insert(
            item.model,
            ModelUsage { input_tokens: item.input_tokens, output_tokens: item.output_tokens, requests: item.requests },
        );
    }
    Ok(ChatUsage {
        input_tokens: input,
        output_tokens: output,
        total_tokens: input + output,
        by_model,
        context_tokens: chat.context_tokens,
    })
}
