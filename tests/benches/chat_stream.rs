//! Stream latency: how long from sending a chat message (or asking for a UI prototype)
//! to its first `delta`, and how much of that is our own work rather than waiting on
//! DynamoDB or the model.
//!
//! `make bench` (starts its own emulator). Runs the real gateway and handlers in this
//! process over HTTP; the model stub answers at once (no first-token delay), so the
//! first delta measures the path through our code. Every DynamoDB and Bedrock call
//! is timed by an SDK interceptor, which gives, per request:
//! - the sequential DynamoDB round trips before the model call (the longest chain
//!   of calls each starting after the previous one ended, among the calls finished
//!   before the model call started);
//! - our own work: the time to first delta not covered by any DynamoDB or model call.

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::json;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use system_tests::{event, AppOptions, SseStream, TestApp};

const REQUESTS: usize = 200;
/// Pairs already in the chat, so history is read and assembled every time.
const HISTORY: usize = 10;
/// Knowledge items of the project in the second run.
const KNOWLEDGE: usize = 20;
/// Active memories of the user: every message reads them and chooses within the budget.
const MEMORIES: usize = 200;

#[derive(Clone, Debug)]
struct Call {
    service: &'static str,
    operation: String,
    start: Instant,
    end: Instant,
}

#[derive(Clone, Debug, Default)]
struct Timeline(Arc<Mutex<Vec<Call>>>);

#[derive(Debug)]
struct Started(Instant, String);
impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// Times each call from sending its request to receiving its response headers.
/// (Both SDKs share the interceptor trait, so one recorder serves both clients.)
#[derive(Debug)]
struct Recorder {
    service: &'static str,
    timeline: Timeline,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "bench-recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or(context.request().uri()).to_string();
        cfg.interceptor_state().store_put(Started(Instant::now(), target));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let end = Instant::now();
        if let Some(Started(start, operation)) = cfg.load::<Started>() {
            let call = Call { service: self.service, operation: operation.clone(), start: *start, end };
            self.timeline.0.lock().unwrap().push(call);
        }
        Ok(())
    }
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The longest chain of calls each starting after the one before it ended.
fn sequential_depth(calls: &[&Call]) -> usize {
    let mut sorted: Vec<&&Call> = calls.iter().collect();
    sorted.sort_by_key(|c| c.end);
    let mut depth: Vec<usize> = Vec::with_capacity(sorted.len());
    for (i, call) in sorted.iter().enumerate() {
        let before = (0..i).filter(|&j| sorted[j].end <= call.start).map(|j| depth[j]).max().unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Length of the union of the calls' intervals within `[from, to]`.
fn covered(calls: &[Call], from: Instant, to: Instant) -> Duration {
    let mut spans: Vec<(Instant, Instant)> =
        calls.iter().map(|c| (c.start.max(from), c.end.min(to))).filter(|(s, e)| s < e).collect();
    spans.sort();
    let mut total = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total += e - s;
    }
    total
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(run());
}

async fn run() {
    let timeline = Timeline::default();
    let hook_timeline = timeline.clone();
    let options = AppOptions {
        deps_hook: Some(Box::new(move |deps: &mut shared::Deps| {
            let dynamo = deps
                .dynamo
                .config()
                .to_builder()
                .interceptor(Recorder { service: "dynamodb", timeline: hook_timeline.clone() });
            deps.dynamo = aws_sdk_dynamodb::Client::from_conf(dynamo.build());
            // The store's table handle holds its own client: it must be the timed one too.
            deps.table = shared::store::Table::new(deps.dynamo.clone(), deps.table.name().to_string());
            let bedrock = deps
                .bedrock
                .config()
                .to_builder()
                .interceptor(Recorder { service: "bedrock", timeline: hook_timeline });
            deps.bedrock = aws_sdk_bedrockruntime::Client::from_conf(bedrock.build());
        })),
        ..Default::default()
    };
    let app = TestApp::spawn_with(options).await;
    let user = app.verified_user().await;
    remember(&app, &user.id).await;
    let plain = chat_with_history(&app, &user.token, None).await;
    let label = format!(
        "chat stream: {REQUESTS} messages to a chat with {HISTORY} earlier pairs, the user having {MEMORIES} memories"
    );
    measure(&timeline, &label, |i| chat_message(&app, &user.token, &plain, i)).await;

    // The same in a project with 20 knowledge items included in chat.
    let project = app
        .call(
            "POST",
            "/api/v1/projects",
            Some(&user.token),
            Some(json!({"name": "Bench", "instructions": "Be brief."})),
        )
        .await;
    let project_id = project.body["id"].as_str().unwrap().to_string();
    for i in 0..KNOWLEDGE {
        let body = json!({"title": format!("note {i}"), "content": format!("Knowledge item {i}: the service retries idempotent calls.")});
        let added =
            app.call("POST", &format!("/api/v1/projects/{project_id}/knowledge"), Some(&user.token), Some(body)).await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    let in_project = chat_with_history(&app, &user.token, Some(&project_id)).await;
    let label = format!("chat stream: {REQUESTS} messages to a chat with {HISTORY} earlier pairs in a project with {KNOWLEDGE} knowledge items");
    measure(&timeline, &label, |i| chat_message(&app, &user.token, &in_project, i)).await;

    // A UI prototype generated into a design project (of a group): a new prototype each time.
    let design = app.call("POST", "/api/v1/design-projects", Some(&user.token), Some(json!({"name": "Bench"}))).await;
    let design_id = design.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/design-projects/{design_id}/groups");
    let group = app.call("POST", &path, Some(&user.token), Some(json!({"name": "Screens"}))).await;
    let group_id = group.body["id"].as_str().unwrap().to_string();
    let generate = format!("/api/v1/design-projects/{design_id}/prototypes/generate");
    let label = format!("prototype generate: {REQUESTS} new prototypes in a group of a design project");
    measure(&timeline, &label, |i| {
        let body = json!({"prompt": format!("benchmark screen {i}: a pricing page"), "group_id": group_id});
        let (app, token, generate) = (&app, &user.token, &generate);
        async move { app.open_stream_at(generate, token, body).await.map_err(|r| r.text).expect("a stream") }
    })
    .await;
}

/// Sends message `i` to the chat, first deleting the newest pair so the chat's history
/// keeps its size.
async fn chat_message(app: &TestApp, token: &str, chat_id: &str, i: usize) -> SseStream {
    if i > 0 {
        let pairs = app.get_auth(&format!("/api/v1/chats/{chat_id}/messages?limit=100"), token).await;
        let newest = pairs.body["items"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();
        let deleted = app.call("DELETE", &format!("/api/v1/chats/{chat_id}/pairs/{newest}"), Some(token), None).await;
        assert_eq!(deleted.status, 204);
    }
    let body = json!({"chat_id": chat_id, "text": format!("benchmark message {i}: how do I read a file in Rust?")});
    app.open_stream(token, body).await.map_err(|r| r.text).expect("a stream")
}

/// Gives the user `MEMORIES` active memories, as extraction would.
async fn remember(app: &TestApp, user_id: &str) {
    use shared::store::memories::{self, MemoryItem};
    let owner = user_id.parse().unwrap();
    let topics = ["Rust", "Go", "Postgres", "Kubernetes", "React", "testing", "hiking", "coffee", "Berlin", "music"];
    for i in 0..MEMORIES {
        let topic = topics[i % topics.len()];
        let summary = format!("Fact {i}: the user has opinions about {topic} and uses it at work");
        let mut memory = MemoryItem::new(
            owner,
            summary,
            shared::model::MemoryCategory::Preference,
            0.8,
            i % 3 == 0,
            app.deps.clock.now(),
        );
        memory.tags = vec![topic.to_lowercase()];
        memory.token_count = shared::memory::count_line(&memory).await;
        memories::create(&app.deps.table, &memory).await.unwrap();
    }
}

/// A chat (in `project`, if given) that already holds `HISTORY` pairs.
async fn chat_with_history(app: &TestApp, token: &str, project: Option<&str>) -> String {
    let mut body = json!({"text": "warm-up: the first message of the chat"});
    if let Some(project) = project {
        body["project_id"] = json!(project);
    }
    let first = app.chat(token, body).await;
    let chat_id = event(&first, "start").data["chat_id"].as_str().unwrap().to_string();
    for i in 1..HISTORY {
        app.chat(token, json!({"chat_id": chat_id, "text": format!("earlier message {i}")})).await;
    }
    chat_id
}

/// Opens `REQUESTS` streams with `open` (from the moment it is called: anything it does
/// before its request, such as a cleanup, is excluded by restarting the clock), reads
/// each to its end, and reports the time to the first delta and what it was spent on.
async fn measure<F, Fut>(timeline: &Timeline, label: &str, mut open: F)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = SseStream>,
{
    let (mut first_delta, mut own_work, mut dynamo_before_model) = (Vec::new(), Vec::new(), Vec::new());
    let mut round_trips = Vec::new();
    let mut trace = String::new();
    for i in 0..REQUESTS {
        timeline.0.lock().unwrap().clear();
        let mut stream = open(i).await;
        let sent = stream.sent_at();
        timeline.0.lock().unwrap().retain(|call| call.start >= sent);
        let mut first_at = None;
        while let Some(event) = stream.next_event().await {
            if event.name == "delta" && first_at.is_none() {
                first_at = Some(Instant::now());
            }
        }
        let first_at = first_at.expect("a delta");
        let calls = timeline.0.lock().unwrap().clone();
        let model_call = calls.iter().filter(|c| c.service == "bedrock").map(|c| c.start).min().expect("a model call");
        let before_model: Vec<&Call> =
            calls.iter().filter(|c| c.service == "dynamodb" && c.start >= sent && c.end <= model_call).collect();
        round_trips.push(sequential_depth(&before_model));
        dynamo_before_model.push(covered(
            &before_model.iter().map(|c| (*c).clone()).collect::<Vec<_>>(),
            sent,
            model_call,
        ));
        if i == REQUESTS - 1 {
            let ms = |at: Instant| (at - sent).as_secs_f64() * 1000.0;
            let mut sorted: Vec<&Call> = calls.iter().filter(|c| c.start < first_at).collect();
            sorted.sort_by_key(|c| c.start);
            for call in sorted {
                let what = call.operation.rsplit(['.', '/']).next().unwrap_or_default();
                trace.push_str(&format!(
                    "  {:>7.2} .. {:>7.2} ms  {} {what}\n",
                    ms(call.start),
                    ms(call.end),
                    call.service
                ));
            }
            trace.push_str(&format!("  {:>7.2} ms            first delta at the client\n", ms(first_at)));
        }
        let total = first_at - sent;
        let external = covered(&calls, sent, first_at);
        first_delta.push(total.as_secs_f64() * 1000.0);
        own_work.push((total - external).as_secs_f64() * 1000.0);
    }
    let dynamo_ms: Vec<f64> = dynamo_before_model.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    let max_trips = *round_trips.iter().max().unwrap();
    let typical_trips = {
        let mut sorted = round_trips.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    };
    println!("{label} (over HTTP, local stack):");
    println!(
        "time to first delta              p50 {:7.2} ms   p90 {:7.2} ms",
        percentile(&first_delta, 0.5),
        percentile(&first_delta, 0.9)
    );
    println!(
        "  of which our own work          p50 {:7.2} ms   p90 {:7.2} ms   (target p50 <= 5 ms)",
        percentile(&own_work, 0.5),
        percentile(&own_work, 0.9)
    );
    println!(
        "  DynamoDB before the model call p50 {:7.2} ms   p90 {:7.2} ms",
        percentile(&dynamo_ms, 0.5),
        percentile(&dynamo_ms, 0.9)
    );
    println!(
        "sequential DynamoDB round trips before the model call: median {typical_trips}, max {max_trips} (target <= 2)"
    );
    println!("the last request, traced (each call from sending its request to its response headers):\n{trace}");
}
