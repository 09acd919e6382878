//! files-cleanup: scheduled (EventBridge). Removes uploads never completed within 24 h
//! and the files of deleted chats, and finishes account deletions that were cut short.
//! Idempotent; a failure is retried by the next run.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use shared::{ApiResult, Deps};

pub async fn handle(deps: &Deps, _event: EventBridgeEvent) -> ApiResult<()> {
    let report = shared::files::cleanup(deps).await?;
    let accounts = shared::account_deletion::finish_interrupted(deps).await?;
    tracing::info!(
        function = "files-cleanup",
        stale_uploads = report.stale_uploads,
        deleted_chat_files = report.deleted_chat_files,
        interrupted_account_deletions = accounts,
        "cleanup done"
    );
    Ok(())
}
