//! Email worker (SQS): renders each queued email and sends it with SES.

use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use shared::queue::{Job, JobKind};
use shared::{ApiResult, Deps};

pub async fn handle(deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
    process_batch(deps, event, send).await
}

async fn send(deps: &Deps, job: Job) -> ApiResult<()> {
    match job.kind {
        JobKind::Email(email) => {
            shared::mail::send(deps, &email).await?;
            tracing::info!(job_id = %job.id, template = email.template_name(), "email sent");
            Ok(())
        }
        _ => Err(shared::ApiError::invalid_request("not an email job")),
    }
}
