//! Background jobs. One serde enum for every job, so producers and consumers cannot
//! drift; each job carries an id so a redelivered message is done only once.

use crate::error::{ApiError, ApiResult};
use crate::mail::{AccountEmail, EmailJob};
use crate::Deps;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone, Serialize, Deserialize)]
pub struct Job {
    pub id: Uuid,
    #[serde(flatten)]
    pub kind: JobKind,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum JobKind {
    Email(EmailJob),
    /// An email the worker decides on from the table (see `AccountEmail`).
    AccountEmail(AccountEmail),
    /// Give a new chat a title from its first message (never over a user's title).
    TitleChat {
        user_id: Uuid,
        chat_id: Uuid,
        first_message: String,
    },
    /// Learn long-term memories from a chat's recent pairs (see `memory::extract`).
    ExtractMemories {
        user_id: Uuid,
        chat_id: Uuid,
        /// When it was asked for (epoch ms), as marked on the chat: an automatic job
        /// older than the chat's marker does nothing.
        requested_at: i64,
        /// Asked for by the user: always runs, and re-reads the whole chat.
        manual: bool,
    },
    /// Import a file of conversations (`POST /import`; see `portability`).
    Import {
        user_id: Uuid,
        import_id: Uuid,
    },
    /// Write the archive of everything a user has (`POST /export`; see `portability`).
    Export {
        user_id: Uuid,
        export_id: Uuid,
    },
}

impl Job {
    pub fn new(kind: JobKind) -> Self {
        Self { id: Uuid::now_v7(), kind }
    }

    fn queue_url<'a>(&self, deps: &'a Deps) -> &'a str {
        match self.kind {
            JobKind::Email(_) | JobKind::AccountEmail(_) => &deps.config.email_queue_url,
            JobKind::TitleChat { .. } => &deps.config.title_queue_url,
            JobKind::ExtractMemories { .. } => &deps.config.memory_queue_url,
            JobKind::Import { .. } | JobKind::Export { .. } => &deps.config.portability_queue_url,
        }
    }
}

pub async fn enqueue(deps: &Deps, kind: JobKind) -> ApiResult<Uuid> {
    enqueue_after(deps, kind, Duration::ZERO).await
}

/// Queues a job that becomes visible to its worker only after `delay` (SQS
/// `DelaySeconds`, whole seconds, at most 900).
pub async fn enqueue_after(deps: &Deps, kind: JobKind, delay: Duration) -> ApiResult<Uuid> {
    let job = Job::new(kind);
    let body = serde_json::to_string(&job).map_err(|err| ApiError::internal("serialising a job", &err))?;
    let mut send = deps.sqs.send_message().queue_url(job.queue_url(deps)).message_body(body);
    if !delay.is_zero() {
        send = send.delay_seconds(delay.as_secs().min(MAX_DELAY_SECS) as i32);
    }
    send.send().await?;
    Ok(job.id)
}

/// The longest delay SQS allows.
const MAX_DELAY_SECS: u64 = 900;

pub async fn enqueue_email(deps: &Deps, email: EmailJob) -> ApiResult<Uuid> {
    enqueue(deps, JobKind::Email(email)).await
}

pub async fn enqueue_account_email(deps: &Deps, request: AccountEmail) -> ApiResult<Uuid> {
    enqueue(deps, JobKind::AccountEmail(request)).await
}
