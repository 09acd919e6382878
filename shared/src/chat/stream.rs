//! `POST /chat/stream`: one message in, the model's answer streamed out as it is
//! written, and everything stored on the way.
//!
//! Before the response starts (so failures are ordinary JSON errors): the token is
//! checked, the request is prepared as `chat::prepare` says (one concurrent round of
//! reads, the project's a second, then prompt assembly — the same code that answers
//! `POST /chat/preview`), the attachments kept are read, then the model is asked — the
//! first model of the chain that accepts the request. From then on the answer streams: the pair is stored as
//! `generating` while the model thinks, `start` goes out, each delta is forwarded
//! the moment it arrives, the text so far is saved every `stream_save_every`, and
//! the end (`complete` with the model's usage, or `failed` with the partial text) is
//! stored before `done`/`error`. The generation runs in a task of its own: a client
//! that goes away stops receiving, not the answer.

use super::api::{PairStatus, StreamDelta, StreamDone, StreamError, StreamRequest, StreamStart, TokenUsage};
use super::prepare::{prepare, Prepared};
use super::{attachments, DEFAULT_TITLE};
use crate::auth::TokenCaller;
use crate::error::{ApiError, ApiResult};
use crate::llm::{self, ModelStream, StreamEvent};
use crate::queue::{self, JobKind};
use crate::sse::{EventSender, StreamBody};
use crate::store::chats::ChatItem;
use crate::store::memories;
use crate::store::pairs::{self, ChatWrite, Outcome, PairItem};
use crate::Deps;
use http::{Response, StatusCode};
use std::sync::Arc;
use tokio::sync::watch;
use uuid::Uuid;

/// What the generation task needs to store what it streams.
struct Generation {
    owner: Uuid,
    chat_id: Uuid,
    pair_id: Uuid,
    user_message_id: Uuid,
    assistant_message_id: Uuid,
    kind: Kind,
    /// The memories the prompt carries (their use is counted once the answer starts).
    memory_ids: Vec<Uuid>,
    /// Whether the user has memory on: the chat's memory extraction is queued after each
    /// complete answer.
    memory_enabled: bool,
}

/// What the message does to the chat.
enum Kind {
    /// The first message of a chat made by this request: the chat is stored with the pair,
    /// and titled from the message.
    NewChat { chat: Box<ChatItem>, message: NewMessage },
    /// A new message in an existing chat.
    Append(NewMessage),
    /// A fresh answer to an existing pair, replacing `replaces` (its answer as read).
    Regenerate { replaces: Uuid },
}

impl Kind {
    fn new_message(&self) -> Option<&NewMessage> {
        match self {
            Kind::NewChat { message, .. } | Kind::Append(message) => Some(message),
            Kind::Regenerate { .. } => None,
        }
    }
}

/// A new pair and what comes with it.
struct NewMessage {
    pair: PairItem,
    /// The user's text, to count and (in a new chat) to title the chat from.
    text: String,
    /// Files attached to the message, bound to the chat with the pair.
    files: Vec<Uuid>,
    /// Whether the pair holds the text's token count; if not, it is counted while the answer
    /// streams and stored with its end.
    counted: bool,
}

/// Answers `POST /chat/stream`.
pub async fn start(deps: Arc<Deps>, caller: TokenCaller, req: StreamRequest) -> ApiResult<Response<StreamBody>> {
    // In a fresh container the tokenizer loads while the reads wait on the network.
    crate::tokens::warm_up();
    let owner = caller.user_id;
    let Prepared { models, loaded, text, content, memories, assembled } = prepare(&deps, &caller, &req).await?;
    let now = deps.clock.now();
    let prompt = attachments::render(&deps, owner, assembled).await?;
    let model_stream = llm::open(&deps, &models, prompt).await?;

    let (memory_ids, memory_enabled) = (memories.ids, loaded.user.memory_enabled);
    let generation = match (loaded.chat, loaded.regenerate) {
        (Some(chat), Some(pair)) => Generation {
            owner,
            chat_id: chat.id,
            pair_id: pair.id,
            user_message_id: pair.user_message_id,
            assistant_message_id: Uuid::now_v7(),
            kind: Kind::Regenerate { replaces: pair.assistant_message_id },
            memory_ids,
            memory_enabled,
        },
        (chat, _) => {
            let (chat_id, new_chat) = match chat {
                Some(chat) => (chat.id, None),
                None => {
                    let mut chat = ChatItem::new(owner, DEFAULT_TITLE.into(), false, now);
                    chat.project_id = req.project_id;
                    chat.message_count = 2;
                    (chat.id, Some(chat))
                }
            };
            // Nothing on the way to the first delta waits for the tokenizer to load.
            let user_tokens = crate::tokens::count_if_loaded(&text).map(i64::from);
            let pair = PairItem::new(owner, chat_id, content, user_tokens.unwrap_or(0), &model_stream.model, now);
            let (pair_id, user_message_id, assistant_message_id) =
                (pair.id, pair.user_message_id, pair.assistant_message_id);
            let files = loaded.files.iter().map(|f| f.id).collect();
            let message = NewMessage { pair, text, files, counted: user_tokens.is_some() };
            let kind = match new_chat {
                Some(chat) => Kind::NewChat { chat: Box::new(chat), message },
                None => Kind::Append(message),
            };
            Generation {
                owner,
                chat_id,
                pair_id,
                user_message_id,
                assistant_message_id,
                kind,
                memory_ids,
                memory_enabled,
            }
        }
    };
    let (body, events) = StreamBody::events(deps.config.stream_keep_alive);
    tokio::spawn(generate(deps, generation, model_stream, events));
    Ok(body.response())
}

fn send_error(events: &EventSender, err: &ApiError) {
    events.send("error", &StreamError { code: err.code.to_string(), message: err.message.clone() });
}

/// Stores the pair, streams the answer, saves it as it grows and when it ends.
async fn generate(deps: Arc<Deps>, g: Generation, mut model: ModelStream, events: EventSender) {
    let deps = &*deps;
    // The pair is stored while the model thinks: its first text is read meanwhile.
    let asked = model.model.clone();
    let deadline = tokio::time::Instant::now() + deps.config.stream_max_duration;
    let (stored, first) = tokio::join!(stored_start(deps, &g, &asked), llm::next_within(deps, &mut model, deadline));
    let started = match stored {
        Ok(true) => true,
        Ok(false) => {
            send_error(&events, &ApiError::new(StatusCode::NOT_FOUND, "not_found", "The chat or message is gone."));
            false
        }
        Err(err) => {
            send_error(&events, &err);
            false
        }
    };
    if !started {
        return;
    }
    events.send(
        "start",
        &StreamStart {
            chat_id: g.chat_id,
            pair_id: g.pair_id,
            user_message_id: g.user_message_id,
            assistant_message_id: g.assistant_message_id,
            model: model.model.clone(),
            chat_created: matches!(g.kind, Kind::NewChat { .. }),
        },
    );
    let title = async {
        if let Kind::NewChat { message, .. } = &g.kind {
            let job = JobKind::TitleChat { user_id: g.owner, chat_id: g.chat_id, first_message: message.text.clone() };
            if let Err(err) = queue::enqueue(deps, job).await {
                tracing::error!(chat_id = %g.chat_id, code = err.code, "could not queue the chat's title");
            }
        }
    };
    // The memories the prompt carried were used once more: counted off the path of the deltas.
    let references = async {
        if g.memory_ids.is_empty() {
            return;
        }
        let now = deps.clock.now();
        if let Err(err) = memories::record_references(&deps.table, g.owner, &g.memory_ids, now).await {
            tracing::warn!(pair_id = %g.pair_id, code = ApiError::from(err).code, "could not count the memories' use");
        }
    };
    let (text_tx, text_rx) = watch::channel(String::new());
    let (done_tx, done_rx) = watch::channel(false);
    let stream = async {
        let mut next = first;
        let outcome = loop {
            match next {
                Some(StreamEvent::Delta(delta)) => {
                    text_tx.send_modify(|text| text.push_str(&delta));
                    events.send("delta", &StreamDelta { text: delta });
                }
                Some(StreamEvent::Done { stop_reason, usage }) => break Ok((stop_reason, usage)),
                Some(StreamEvent::Failed { code, message }) => break Err((code, message)),
                None => break Err(("model_error", "The model stopped before finishing its answer.".to_string())),
            }
            next = llm::next_within(deps, &mut model, deadline).await;
        };
        let _ = done_tx.send(true);
        let text = text_tx.borrow().clone();
        (text, outcome)
    };
    let user_token_count = async {
        match g.kind.new_message() {
            Some(message) if !message.counted => Some(count_tokens(&message.text).await),
            _ => None,
        }
    };
    let ((text, outcome), (), (), (), user_token_count) =
        tokio::join!(stream, save_while_generating(deps, &g, text_rx, done_rx), title, references, user_token_count);
    let (usage, token_count) = match &outcome {
        Ok((_, usage)) => (*usage, usage.output_tokens),
        Err(_) => (llm::Usage::default(), count_tokens(&text).await),
    };
    let end = Outcome {
        status: if outcome.is_ok() { PairStatus::Complete } else { PairStatus::Failed },
        text: &text,
        token_count,
        user_token_count,
        model: &model.model,
        stop_reason: outcome.as_ref().ok().map(|(reason, _)| reason.as_str()),
        usage,
    };
    let now = deps.clock.now();
    let stored = match pairs::finish(&deps.table, g.owner, g.chat_id, g.pair_id, g.assistant_message_id, end, now).await
    {
        Ok(_) => true,
        Err(err) => {
            tracing::error!(pair_id = %g.pair_id, code = ApiError::from(err).code, "could not store the answer");
            false
        }
    };
    let learn = stored && outcome.is_ok() && g.memory_enabled;
    match outcome {
        Ok((stop_reason, usage)) => {
            events.send(
                "done",
                &StreamDone {
                    stop_reason,
                    model: model.model.clone(),
                    usage: TokenUsage { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens },
                    chat_id: g.chat_id,
                    pair_id: g.pair_id,
                    assistant_message_id: g.assistant_message_id,
                },
            );
        }
        Err((code, message)) => {
            events.send("error", &StreamError { code: code.to_string(), message });
        }
    }
    // After `done`: the client is not kept waiting for the queue.
    if learn {
        if let Err(err) = crate::memory::extract::queue_after_answer(deps, g.owner, g.chat_id).await {
            tracing::error!(chat_id = %g.chat_id, code = err.code, "could not queue memory extraction");
        }
    }
    if !events.is_connected() {
        tracing::info!(pair_id = %g.pair_id, "client went away; the answer was stored");
    }
}

/// Stores the pair as `generating` (with the new chat, or a fresh answer for a
/// regenerated pair). `false` when the chat or pair is gone.
async fn stored_start(deps: &Deps, g: &Generation, model: &str) -> ApiResult<bool> {
    match &g.kind {
        Kind::NewChat { chat, message } => {
            Ok(pairs::begin(&deps.table, g.owner, ChatWrite::Create(chat), &message.pair, &message.files).await?)
        }
        Kind::Append(message) => {
            Ok(pairs::begin(&deps.table, g.owner, ChatWrite::Existing, &message.pair, &message.files).await?)
        }
        Kind::Regenerate { replaces } => {
            let now = deps.clock.now();
            let replaces = *replaces;
            Ok(pairs::begin_regenerate(
                &deps.table,
                g.owner,
                g.chat_id,
                g.pair_id,
                replaces,
                g.assistant_message_id,
                model,
                now,
            )
            .await?)
        }
    }
}

/// The exact tokens of `text`, for storing: waits for the tokenizer if it is still loading
/// (without holding up the runtime's other tasks).
async fn count_tokens(text: &str) -> i64 {
    crate::tokens::ready().await;
    crate::tokens::count(text) as i64
}

/// Saves the text so far every `stream_save_every` while it changes, until `done`.
async fn save_while_generating(
    deps: &Deps,
    g: &Generation,
    mut text: watch::Receiver<String>,
    mut done: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(deps.config.stream_save_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = done.changed() => return,
            _ = tick.tick() => {
                if !text.has_changed().unwrap_or(false) {
                    continue;
                }
                let snapshot = text.borrow_and_update().clone();
                let now = deps.clock.now();
                match pairs::save_partial(&deps.table, g.owner, g.chat_id, g.pair_id, g.assistant_message_id, &snapshot, now).await {
                    Ok(true) => {}
                    Ok(false) => tracing::info!(pair_id = %g.pair_id, "the pair went away while generating"),
                    Err(err) => tracing::warn!(pair_id = %g.pair_id, code = ApiError::from(err).code, "could not save the answer so far"),
                }
            }
        }
    }
}
