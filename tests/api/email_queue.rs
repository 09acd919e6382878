use aws_sdk_sqs::types::QueueAttributeName;
use functions::routes::Queue;
use local_stack::poller::{poll_once, queue_arn, Polled};
use serde_json::Value;
use std::time::Duration;
use system_tests::*;

fn email_worker() -> &'static functions::Worker {
    functions::workers().iter().find(|w| w.name == "email-worker").unwrap()
}

fn unverified_sender() -> String {
    format!("myclaude <no-reply@unverified-{}.test>", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// An app whose mail is refused by SES (its sender is not verified) and whose queue
/// the test drives by hand.
async fn app_with_unverified_sender(mail_from: &str) -> TestApp {
    TestApp::spawn_with(AppOptions {
        mail_from: mail_from.to_string(),
        verify_sender: false,
        workers: false,
        ..Default::default()
    })
    .await
}

async fn queue_depth(app: &TestApp, url: &str) -> usize {
    let attrs = app
        .deps
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    attrs.values().map(|v| v.parse::<usize>().unwrap_or(0)).sum()
}

#[tokio::test]
async fn a_failed_send_is_retried_and_delivered() {
    let mail_from = unverified_sender();
    let app = app_with_unverified_sender(&mail_from).await;
    let email = unique_email();
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    let arn = queue_arn(&app.deps, Queue::Email).await;

    // SES refuses the unverified sender: the worker reports the message as failed.
    let first = poll_once(&app.deps, email_worker(), arn.as_deref(), 5).await.unwrap();
    assert_eq!(first, Polled { received: 1, failed: 1 });
    assert!(mails_to(&email, "").await.is_empty());

    // The sender gets verified; the message comes back after its visibility timeout.
    app.deps
        .ses
        .verify_domain_identity()
        .domain(local_stack::resources::sender_domain(&mail_from))
        .send()
        .await
        .unwrap();
    let delivered = eventually(Duration::from_secs(15), || async {
        let polled = poll_once(&app.deps, email_worker(), arn.as_deref(), 1).await.unwrap();
        (polled == Polled { received: 1, failed: 0 }).then_some(())
    })
    .await;
    assert!(delivered.is_some(), "the redelivered message was sent");
    let mails = mails_to(&email, "Verify your email").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].source, mail_from);
    assert_eq!(queue_depth(&app, &app.deps.config.email_queue_url).await, 0, "deleted after success");
}

#[tokio::test]
async fn a_message_that_keeps_failing_ends_in_the_dlq() {
    let app = app_with_unverified_sender(&unverified_sender()).await;
    let email = unique_email();
    assert_eq!(app.register(&email, PASSWORD).await.status, 201);
    let arn = queue_arn(&app.deps, Queue::Email).await;
    let dlq_url = format!("{}-dlq", app.deps.config.email_queue_url);

    let receives = std::sync::atomic::AtomicUsize::new(0);
    let moved = eventually(Duration::from_secs(30), || async {
        let polled = poll_once(&app.deps, email_worker(), arn.as_deref(), 1).await.unwrap();
        receives.fetch_add(polled.received, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(polled.failed, polled.received, "every attempt fails");
        (queue_depth(&app, &dlq_url).await == 1).then_some(())
    })
    .await;
    assert!(moved.is_some(), "the message reached the DLQ");
    assert_eq!(receives.into_inner(), 3, "tried maxReceiveCount times");
    let dead = app.deps.sqs.receive_message().queue_url(&dlq_url).send().await.unwrap().messages.unwrap_or_default();
    let job: Value = serde_json::from_str(dead[0].body().unwrap()).unwrap();
    assert_eq!(job["type"], "email");
    assert_eq!(job["data"]["template"], "verify_email");
    assert_eq!(job["data"]["to"], email.as_str());
    assert_eq!(queue_depth(&app, &app.deps.config.email_queue_url).await, 0);
    assert!(mails_to(&email, "").await.is_empty());
}

#[tokio::test]
async fn a_redelivered_job_is_done_once() {
    let app = TestApp::spawn_with(AppOptions { workers: false, ..Default::default() }).await;
    let email = unique_email();
    let job = shared::queue::Job::new(shared::queue::JobKind::Email(shared::mail::EmailJob::RegistrationAttempt {
        to: email.clone(),
        name: "Ada".into(),
    }));
    let body = serde_json::to_string(&job).unwrap();
    for _ in 0..2 {
        app.deps
            .sqs
            .send_message()
            .queue_url(&app.deps.config.email_queue_url)
            .message_body(&body)
            .send()
            .await
            .unwrap();
    }
    let arn = queue_arn(&app.deps, Queue::Email).await;
    let drained = eventually(Duration::from_secs(15), || async {
        poll_once(&app.deps, email_worker(), arn.as_deref(), 1).await.unwrap();
        (queue_depth(&app, &app.deps.config.email_queue_url).await == 0).then_some(())
    })
    .await;
    assert!(drained.is_some(), "both deliveries were handled");
    assert_eq!(mails_to(&email, "Someone tried").await.len(), 1, "the duplicate did nothing");
}
