//! files-cleanup: scheduled (EventBridge). Removes uploads never completed within 24 h,
//! the files of deleted chats and expired export archives, and finishes account
//! deletions that were cut short.
//! Idempotent; a failure is retried by the next run.

use crate::routes::{Permission::*, Scheduled, EVERY_OBJECT};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use futures::future::BoxFuture;
use shared::access;
use shared::{ApiResult, Deps};

pub static SCHEDULED: Scheduled = Scheduled {
    name: "files-cleanup",
    schedule: "rate(1 hour)",
    every: std::time::Duration::from_secs(3600),
    handler: handle,
    permissions: &[Table(&access::WHOLE_TABLE), Objects(&EVERY_OBJECT)],
    summary: "Removes uploads never completed, the files of deleted chats and expired exports; finishes interrupted account deletions",
};

/// Export archives removed a run at most (the next run takes the rest).
const EXPIRED_EXPORTS_A_RUN: usize = 500;

pub fn handle(deps: &Deps, _event: EventBridgeEvent) -> BoxFuture<'_, ApiResult<()>> {
    Box::pin(async move {
        let report = shared::files::cleanup(deps).await?;
        let expired_exports = shared::portability::export::remove_expired(deps, EXPIRED_EXPORTS_A_RUN).await?;
        let accounts = shared::account_deletion::finish_interrupted(deps).await?;
        tracing::info!(
            function = "files-cleanup",
            stale_uploads = report.stale_uploads,
            deleted_chat_files = report.deleted_chat_files,
            expired_exports,
            interrupted_account_deletions = accounts,
            "cleanup done"
        );
        Ok(())
    })
}
