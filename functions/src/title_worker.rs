//! Title worker (SQS): names new chats with the small model.

use crate::routes::{Permission::*, Queue, Worker};
use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use shared::access;
use shared::queue::{Job, JobKind};
use shared::{ApiError, ApiResult, Deps};

pub static WORKER: Worker = Worker {
    name: "title-worker",
    queue: Queue::Titles,
    handler: handle,
    permissions: &[Table(&access::USER_JOBS), InvokeModel],
    summary: "Names new chats with the small model",
    timeout_secs: crate::routes::WORKER_TIMEOUT_SECS,
    disk_mb: None,
    batch_size: 10,
};

pub fn handle(deps: &Deps, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(process_batch(deps, event, title))
}

async fn title(deps: &Deps, job: Job) -> ApiResult<()> {
    match job.kind {
        JobKind::TitleChat { user_id, chat_id, first_message } => {
            let title = shared::chat::titles::generate(deps, user_id, chat_id, &first_message).await?;
            tracing::info!(job_id = %job.id, %chat_id, titled = title.is_some(), "title job done");
            Ok(())
        }
        _ => Err(ApiError::invalid_request("not a title job")),
    }
}
