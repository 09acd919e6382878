//! Idempotency markers for queue jobs: a redelivered job that already ran does nothing.

use super::{key, keys, n};
use crate::error::ApiResult;
use crate::Deps;
use uuid::Uuid;

/// Markers outlive any redelivery (SQS keeps messages at most 14 days).
const KEEP_DAYS: i64 = 15;

pub async fn is_done(deps: &Deps, job_id: Uuid) -> ApiResult<bool> {
    let output = deps
        .dynamo
        .get_item()
        .table_name(&deps.config.table_name)
        .set_key(Some(key(keys::job(job_id), keys::JOB_DONE)))
        .consistent_read(true)
        .send()
        .await?;
    Ok(output.item.is_some())
}

pub async fn mark_done(deps: &Deps, job_id: Uuid) -> ApiResult<()> {
    let mut item = key(keys::job(job_id), keys::JOB_DONE);
    item.insert(keys::TTL.into(), n(deps.clock.unix() + KEEP_DAYS * 86_400));
    deps.dynamo.put_item().table_name(&deps.config.table_name).set_item(Some(item)).send().await?;
    Ok(())
}
