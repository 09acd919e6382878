//! Title worker (SQS): names new chats with the small model.

use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::queue::{Job, JobKind};
use shared::{ApiError, ApiResult, Deps};

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    process_batch(deps, event, title).await
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
