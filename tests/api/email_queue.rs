use aws_sdk_sqs::types::QueueAttributeName;
use functions::routes::Queue;
use local_stack::poller::{poll_once, queue_arn, Polled};
use serde_json::{json, Value};
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
    assert_eq!(job["type"], "account_email");
    assert_eq!(job["data"]["request"], "registered");
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

/// The shape of a job: its keys (recursively) and the values that name a kind, but
/// not the values that differ from one address to another.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let kept = matches!(k.as_str(), "type" | "request" | "template");
                    (k.clone(), if kept { v.clone() } else { shape(v) })
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[tokio::test]
async fn register_reset_and_resend_queue_the_same_job_for_every_address_and_the_worker_decides() {
    let app = TestApp::spawn_with(AppOptions { workers: false, ..Default::default() }).await;
    let (known, unknown) = (unique_email(), unique_email());
    let requests = [
        ("register", "/api/v1/auth/register", json!({"email": known, "password": PASSWORD}), 201),
        ("register", "/api/v1/auth/register", json!({"email": known, "password": PASSWORD}), 201),
        ("reset", "/api/v1/auth/password/reset", json!({"email": known}), 202),
        ("reset", "/api/v1/auth/password/reset", json!({"email": unknown}), 202),
        ("resend", "/api/v1/auth/resend-verification", json!({"email": known}), 202),
        ("resend", "/api/v1/auth/resend-verification", json!({"email": unknown}), 202),
    ];
    let mut answers = Vec::new();
    for (_, path, body, status) in &requests {
        let reply = app.post(path, body.clone()).await;
        assert_eq!(reply.status, *status, "{path}: {}", reply.text);
        answers.push(reply.text);
    }

    // One job per request, and for each route the same job whether or not the address
    // has an account (the first registration created it, the second found it).
    let url = app.deps.config.email_queue_url.clone();
    let collected = std::sync::Mutex::new((Vec::<Value>::new(), std::collections::HashSet::<String>::new()));
    let all_queued = eventually(Duration::from_secs(10), || async {
        let received = app.deps.sqs.receive_message().queue_url(&url).max_number_of_messages(10).visibility_timeout(0);
        let messages = received.send().await.unwrap().messages.unwrap_or_default();
        let mut collected = collected.lock().unwrap();
        let (jobs, seen) = &mut *collected;
        for message in messages {
            if seen.insert(message.message_id().unwrap().to_string()) {
                jobs.push(serde_json::from_str(message.body().unwrap()).unwrap());
            }
        }
        (jobs.len() >= requests.len()).then_some(())
    })
    .await;
    let jobs = collected.into_inner().unwrap().0;
    assert!(all_queued.is_some(), "every request queued a job: {jobs:?}");
    assert_eq!(jobs.len(), requests.len(), "one job per request");
    let job_for = |to: &str, request: &str| {
        jobs.iter().find(|j| j["data"]["to"] == to && j["data"]["request"] == request).cloned().expect("queued")
    };
    for (request, name) in [("registered", "register"), ("password_reset", "reset"), ("resend_verification", "resend")]
    {
        let for_known = job_for(&known, request);
        let other = if request == "registered" {
            jobs.iter().filter(|j| j["data"]["request"] == request).nth(1).cloned().expect("two registrations")
        } else {
            job_for(&unknown, request)
        };
        assert_eq!(shape(&for_known), shape(&other), "{name}: {for_known} vs {other}");
        assert_eq!(for_known["type"], "account_email", "{name}");
    }
    assert_eq!(answers[0], answers[1], "register answers alike");
    assert_eq!(answers[2], answers[3], "reset answers alike");
    assert_eq!(answers[4], answers[5], "resend answers alike");

    // The worker decides: a verification link for the new account (and the resend), a
    // notice for the second registration, a reset link; nothing to the unknown address.
    let arn = queue_arn(&app.deps, Queue::Email).await;
    let drained = eventually(Duration::from_secs(20), || async {
        poll_once(&app.deps, email_worker(), arn.as_deref(), 1).await.unwrap();
        (queue_depth(&app, &url).await == 0).then_some(())
    })
    .await;
    assert!(drained.is_some(), "the worker handled every job");
    let verify = wait_for_mail(&known, "Verify your email", 2).await;
    assert_eq!(verify.len(), 2);
    assert_eq!(mails_to(&known, "Someone tried to sign up").await.len(), 1);
    let reset = mails_to(&known, "Reset your myclaude password").await;
    assert_eq!(reset.len(), 1);
    assert!(sent_mails(&unknown).await.is_empty(), "nothing goes to an address without an account");

    // The links work: the registration's, the resent one, and the reset link.
    for mail in &verify {
        let verified = app.post("/api/v1/auth/verify-email", json!({"token": token_from(&mail.body)})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
    }
    let login = app.login(&known, PASSWORD).await;
    assert_eq!(login.status, 200, "verified: {}", login.text);
    // The account was created under a provisional username; the worker gave it the
    // one derived from the email before sending the link.
    let local_part = known.split('@').next().unwrap();
    assert_eq!(login.body["user"]["username"], local_part);
    let new_password = "a completely new passphrase";
    let body = json!({"token": token_from(&reset[0].body), "new_password": new_password});
    assert_eq!(app.post("/api/v1/auth/password/reset/confirm", body).await.status, 200);
}
