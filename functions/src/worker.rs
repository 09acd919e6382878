//! SQS batch handling shared by every worker: each record is a `Job`; records are
//! processed concurrently; each job is claimed first, so a duplicate delivery never
//! runs it twice and a job already done is skipped;
//! failures are reported per record so only they are retried (and, after the
//! queue's maxReceiveCount, moved to the DLQ).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::future::join_all;
use shared::error::ErrorChain;
use shared::queue::Job;
use shared::store::jobs::{self, Claim};
use shared::{ApiError, Deps};
use std::future::Future;

pub async fn process_batch<'a, F, Fut>(deps: &'a Deps, event: SqsEvent, run: F) -> SqsBatchResponse
where
    F: Fn(&'a Deps, Job) -> Fut,
    Fut: Future<Output = Result<(), ApiError>> + 'a,
{
    let outcomes = join_all(event.records.into_iter().map(|record| process_record(deps, record, &run))).await;
    let mut response = SqsBatchResponse::default();
    for failed in outcomes.into_iter().flatten() {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = failed;
        response.batch_item_failures.push(failure);
    }
    response
}

/// `Some(message id)` if the record failed and must be retried.
async fn process_record<'a, F, Fut>(deps: &'a Deps, record: SqsMessage, run: &F) -> Option<String>
where
    F: Fn(&'a Deps, Job) -> Fut,
    Fut: Future<Output = Result<(), ApiError>> + 'a,
{
    let message_id = record.message_id.clone().unwrap_or_default();
    let job: Job = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
        Ok(job) => job,
        Err(err) => {
            // Retrying cannot fix it; it will reach the DLQ for a person to look at.
            tracing::error!(message_id, error = %err, "unreadable job");
            return Some(message_id);
        }
    };
    let job_id = job.id;
    match jobs::claim(&deps.table, job_id, deps.clock.now()).await {
        Ok(Claim::Acquired) => {}
        Ok(Claim::AlreadyDone) => {
            tracing::info!(%job_id, "job already done; skipping redelivery");
            return None;
        }
        Ok(Claim::Busy) => {
            tracing::info!(%job_id, "job is being run by another delivery; retrying later");
            return Some(message_id);
        }
        Err(err) => {
            tracing::error!(%job_id, error = %ErrorChain(&err), "could not claim the job");
            return Some(message_id);
        }
    }
    if let Err(err) = run(deps, job).await {
        tracing::warn!(%job_id, message_id, code = err.code, "job failed; it will be retried");
        if let Err(err) = jobs::release(&deps.table, job_id).await {
            tracing::warn!(%job_id, error = %ErrorChain(&err), "could not release the claim; the retry waits for its lease");
        }
        return Some(message_id);
    }
    if let Err(err) = jobs::complete(&deps.table, job_id, deps.clock.now()).await {
        tracing::warn!(%job_id, error = %ErrorChain(&err), "job done but not recorded; a redelivery may repeat it");
    }
    tracing::info!(%job_id, "job done");
    None
}
