//! Idempotency records for queue jobs. A worker claims a job before running it (a
//! conditional write), so a duplicate delivered at the same time cannot run it too,
//! and marks it done after, so a later redelivery is skipped.

use super::{key, keys, n, s};
use super::{StoreResult, Table};
use time::OffsetDateTime;
use uuid::Uuid;

/// Records outlive any redelivery (SQS keeps messages at most 14 days).
const KEEP_SECS: i64 = 15 * 86_400;
/// A claim whose worker died is taken over after this long (longer than any run).
const LEASE_SECS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Run the job now.
    Acquired,
    /// It already ran: skip.
    AlreadyDone,
    /// Another delivery is running it: retry later.
    Busy,
}

/// Claims the job at `now`.
pub async fn claim(table: &Table, job_id: Uuid, now: OffsetDateTime) -> StoreResult<Claim> {
    let now = now.unix_timestamp();
    let mut item = key(keys::job(job_id), keys::JOB);
    item.insert("status".into(), s("running"));
    item.insert("lease_until".into(), n(now + LEASE_SECS));
    item.insert(keys::TTL.into(), n(now + KEEP_SECS));
    let result = table
        .put_item()
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK) OR (#status = :running AND lease_until < :now)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":running", s("running"))
        .expression_attribute_values(":now", n(now))
        .return_values_on_condition_check_failure(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Claim::Acquired),
        Err(err) => match err.as_service_error() {
            Some(e) if e.is_conditional_check_failed_exception() => {
                let done = match e {
                    aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c
                        .item()
                        .and_then(|i| i.get("status"))
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|status| status == "done"),
                    _ => false,
                };
                Ok(if done { Claim::AlreadyDone } else { Claim::Busy })
            }
            _ => Err(err.into()),
        },
    }
}

/// Marks the job done at `now`.
pub async fn complete(table: &Table, job_id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
    let mut item = key(keys::job(job_id), keys::JOB);
    item.insert("status".into(), s("done"));
    item.insert(keys::TTL.into(), n(now.unix_timestamp() + KEEP_SECS));
    table.put_item().set_item(Some(item)).send().await?;
    Ok(())
}

/// Gives a failed job's claim back so its redelivery can run it.
pub async fn release(table: &Table, job_id: Uuid) -> StoreResult<()> {
    table.delete_item().set_key(Some(key(keys::job(job_id), keys::JOB))).send().await?;
    Ok(())
}
