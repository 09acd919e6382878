//! Memory worker (SQS): learns long-term memories about the user from their chats
//! with the small model (see `shared::memory::extract`).

use crate::routes::{Permission::*, Queue, Worker};
use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use shared::access;
use shared::memory::extract;
use shared::queue::{Job, JobKind};
use shared::{ApiError, ApiResult, Deps};

pub static WORKER: Worker = Worker {
    name: "memory-worker",
    queue: Queue::Memory,
    handler: handle,
    permissions: &[Table(&access::USER_JOBS), InvokeModel],
    summary: "Learns long-term memories about users from their chats with the small model",
    timeout_secs: crate::routes::WORKER_TIMEOUT_SECS,
    disk_mb: None,
    batch_size: 10,
};

pub fn handle(deps: &Deps, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(process_batch(deps, event, extract_memories))
}

async fn extract_memories(deps: &Deps, job: Job) -> ApiResult<()> {
    match job.kind {
        JobKind::ExtractMemories { user_id, chat_id, requested_at, manual } => {
            let outcome = extract::run(deps, user_id, chat_id, requested_at, manual).await?;
            tracing::info!(job_id = %job.id, %chat_id, manual, ?outcome, "memory extraction done");
            Ok(())
        }
        _ => Err(ApiError::invalid_request("not a memory-extraction job")),
    }
}
