//! Email worker (SQS): renders each queued email and sends it with SES; for the
//! emails that depend on whether an address has an account, it first decides which.

use crate::routes::{Permission::*, Queue, Worker};
use crate::worker::process_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use shared::access;
use shared::queue::{Job, JobKind};
use shared::{ApiResult, Deps};

pub static WORKER: Worker = Worker {
    name: "email-worker",
    queue: Queue::Email,
    handler: handle,
    permissions: &[Table(&access::ACCOUNT_JOBS), SendEmail],
    summary: "Renders and sends queued emails through SES",
    timeout_secs: crate::routes::WORKER_TIMEOUT_SECS,
    disk_mb: None,
    batch_size: 10,
};

pub fn handle(deps: &Deps, event: SqsEvent) -> BoxFuture<'_, SqsBatchResponse> {
    Box::pin(process_batch(deps, event, send))
}

async fn send(deps: &Deps, job: Job) -> ApiResult<()> {
    let email = match job.kind {
        JobKind::Email(email) => email,
        // Whether the address has an account is decided here, off the request path.
        JobKind::AccountEmail(request) => {
            let name = request.request_name();
            match shared::auth::service::resolve_account_email(deps, request).await? {
                Some(email) => email,
                None => {
                    tracing::info!(job_id = %job.id, request = name, "nothing to send for this address");
                    return Ok(());
                }
            }
        }
        _ => return Err(shared::ApiError::invalid_request("not an email job")),
    };
    shared::mail::send(deps, &email).await?;
    tracing::info!(job_id = %job.id, template = email.template_name(), "email sent");
    Ok(())
}
