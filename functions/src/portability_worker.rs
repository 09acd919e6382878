//! Portability worker (SQS): runs imports and exports (see `shared::portability`).

use crate::routes::{Permission::*, Queue, Worker, EVERY_OBJECT};
use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use shared::access;
use shared::queue::{Job, JobKind};
use shared::{ApiError, ApiResult, Deps};

pub static WORKER: Worker = Worker {
    name: "portability-worker",
    queue: Queue::Portability,
    handler: handle,
    permissions: &[Table(&access::USER_JOBS), EnqueuePortability, Objects(&EVERY_OBJECT)],
    summary: "Writes users' export archives and imports conversations exported from other assistants",
    // Lambda's longest: a 200 MB export is copied, unzipped and read twice.
    timeout_secs: 900,
    // The upload (up to 200 MB) and its unpacked conversations.json, on local disk.
    disk_mb: Some(4096),
    // One import an invocation: each may need the whole timeout.
    batch_size: 1,
};

pub fn handle(deps: &Deps, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(process_batch(deps, event, run))
}

async fn run(deps: &Deps, job: Job) -> ApiResult<()> {
    match job.kind {
        JobKind::Import { user_id, import_id } => {
            let status = shared::portability::run_import(deps, user_id, import_id).await?;
            tracing::info!(job_id = %job.id, %import_id, ?status, "import job done");
            Ok(())
        }
        JobKind::Export { user_id, export_id } => {
            let status = shared::portability::export::run_export(deps, user_id, export_id).await?;
            tracing::info!(job_id = %job.id, %export_id, ?status, "export job done");
            Ok(())
        }
        _ => Err(ApiError::invalid_request("not a portability job")),
    }
}
