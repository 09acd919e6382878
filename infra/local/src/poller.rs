//! Runs the workers the way Lambda's SQS event source mapping does: receive a batch,
//! hand it to the worker, delete what succeeded, leave failures to become visible
//! again (and reach the DLQ through the queue's redrive policy).

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use functions::routes::{Queue, Worker};
use shared::error::ErrorChain;
use shared::Deps;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

pub fn queue_url(deps: &Deps, queue: Queue) -> &str {
    match queue {
        Queue::Email => &deps.config.email_queue_url,
        Queue::Titles => &deps.config.title_queue_url,
        Queue::Memory => &deps.config.memory_queue_url,
        Queue::Portability => &deps.config.portability_queue_url,
    }
}

/// What one receive did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    pub received: usize,
    pub failed: usize,
}

/// Polls `worker`'s queue forever (abort the task to stop it).
pub async fn run(deps: Arc<Deps>, worker: &'static Worker) {
    let arn = queue_arn(&deps, worker.queue).await;
    loop {
        if let Err(err) = poll_once(&deps, worker, arn.as_deref(), 1).await {
            tracing::warn!(worker = worker.name, error = %err, "polling the queue failed");
            // Back off so a stopped emulator is not hammered.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

pub async fn queue_arn(deps: &Deps, queue: Queue) -> Option<String> {
    deps.sqs
        .get_queue_attributes()
        .queue_url(queue_url(deps, queue))
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .ok()
        .and_then(|out| out.attributes)
        .and_then(|mut attrs| attrs.remove(&QueueAttributeName::QueueArn))
}

/// One receive (long-polling up to `wait_secs`), one worker invocation, one delete of
/// what succeeded: the event source mapping's cycle.
pub async fn poll_once(deps: &Deps, worker: &Worker, arn: Option<&str>, wait_secs: i32) -> Result<Polled, String> {
    let url = queue_url(deps, worker.queue);
    let messages = deps
        .sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(worker.batch_size.clamp(1, 10) as i32)
        .wait_time_seconds(wait_secs)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .map_err(|err| ErrorChain(&err).to_string())?
        .messages
        .unwrap_or_default();
    if messages.is_empty() {
        return Ok(Polled::default());
    }
    let mut event = SqsEvent::default();
    let mut receipts = Vec::new();
    for message in messages {
        let mut record = SqsMessage::default();
        record.message_id = message.message_id.clone();
        record.receipt_handle = message.receipt_handle.clone();
        record.body = message.body.clone();
        record.md5_of_body = message.md5_of_body.clone();
        record.attributes =
            message.attributes.unwrap_or_default().into_iter().map(|(k, v)| (k.as_str().to_string(), v)).collect();
        record.event_source = Some("aws:sqs".into());
        record.event_source_arn = arn.map(str::to_string);
        record.aws_region = Some(deps.config.region.clone());
        receipts.push((message.message_id.unwrap_or_default(), message.receipt_handle.unwrap_or_default()));
        event.records.push(record);
    }
    let response = worker.run(deps, event).await;
    let failed: HashSet<String> = response.batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    let polled = Polled { received: receipts.len(), failed: failed.len() };
    let entries: Vec<DeleteMessageBatchRequestEntry> = receipts
        .into_iter()
        .filter(|(id, _)| !failed.contains(id))
        .enumerate()
        .map(|(i, (_, receipt))| {
            DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(receipt)
                .build()
                .expect("id and receipt are set")
        })
        .collect();
    if !entries.is_empty() {
        deps.sqs
            .delete_message_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|err| ErrorChain(&err).to_string())?;
    }
    Ok(polled)
}

/// One polling task per worker of the route table.
pub fn spawn_all(deps: Arc<Deps>) -> Vec<tokio::task::JoinHandle<()>> {
    let workers = functions::workers().iter().map(|worker| tokio::spawn(run(deps.clone(), worker)));
    let scheduled = functions::scheduled().iter().map(|job| tokio::spawn(run_every(deps.clone(), job)));
    workers.chain(scheduled).collect()
}

/// Runs a scheduled function at its period, as its EventBridge schedule would.
async fn run_every(deps: Arc<Deps>, job: &'static functions::Scheduled) {
    let mut tick = tokio::time::interval(job.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let event = aws_lambda_events::event::eventbridge::EventBridgeEvent::default();
        if let Err(err) = job.run(&deps, event).await {
            tracing::warn!(function = job.name, code = err.code, "scheduled run failed");
        }
    }
}
