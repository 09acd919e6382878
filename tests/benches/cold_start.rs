//! Cold start, measured from outside: `make bench-coldstart`.
//!
//! A small Lambda Runtime API (the protocol `lambda_runtime` speaks to Lambda: `GET
//! /runtime/invocation/next`, `POST /runtime/invocation/{id}/response` buffered or streamed,
//! `/invocation/{id}/error`, `/init/error`) runs in this process. For every run a fresh release
//! `bootstrap` process is spawned against it, configured like the test app (the emulator that
//! scripts/bench.sh started, and this process's model stub), and given one `events/*.json`
//! sample with a real token. Per function it reports, from the spawn:
//! - init: until the runtime's first `/next` request (the end of Lambda's init phase);
//! - first byte: until the first byte of the response body (for a STREAM route, the first byte
//!   after the metadata prelude and its separator, i.e. the first SSE event);
//! - done: until the end of the response.
//!
//! Environment: `COLDSTART_BOOTSTRAP` (default `target/release/bootstrap`, relative to the
//! repository; several paths separated by `:` compare builds, e.g. before and after a change:
//! their runs interleave, so a change in the machine's load touches all alike), `COLDSTART_RUNS`
//! (default 20; one more warm-up run per function and binary is not counted).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures::StreamExt;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use system_tests::{random_loopback, AppOptions, TestApp};
use tokio::sync::mpsc;

const FUNCTIONS: &[&str] = &["health", "chats-list", "chat-stream"];
/// The separator between a streamed response's JSON prelude and its body.
const PRELUDE_END: &[u8] = &[0; 8];
/// Longer than any run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// What the runtime API saw of the current run.
#[derive(Debug)]
enum Seen {
    /// The first `/next` request: init is over.
    Next(Instant),
    Response(Answer),
    /// `/invocation/{id}/error` or `/init/error`.
    Error(String),
}

#[derive(Debug)]
struct Answer {
    first_byte: Instant,
    done: Instant,
    /// The HTTP status the function answered with (from the prelude, or the buffered JSON).
    status: u16,
    body: String,
}

/// The invocation the runtime API hands out next, and where it reports.
struct Pending {
    request_id: String,
    event: Value,
    seen: mpsc::UnboundedSender<Seen>,
}

#[derive(Clone, Default)]
struct RuntimeApi(Arc<Mutex<Option<Pending>>>);

impl RuntimeApi {
    fn report(&self, seen: Seen) {
        if let Some(pending) = self.0.lock().expect("runtime api lock").as_ref() {
            let _ = pending.seen.send(seen);
        }
    }
}

fn router(api: RuntimeApi) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(invocation_error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api)
}

/// Hands out the run's event once; a later `/next` (the runtime asking for the following
/// invocation) waits until the process is killed, as a frozen Lambda sandbox would.
async fn next(State(api): State<RuntimeApi>) -> Response {
    let now = Instant::now();
    let invocation = {
        let mut pending = api.0.lock().expect("runtime api lock");
        match pending.as_mut() {
            Some(p) if !p.event.is_null() => {
                let _ = p.seen.send(Seen::Next(now));
                Some((p.request_id.clone(), std::mem::take(&mut p.event)))
            }
            _ => None,
        }
    };
    let Some((request_id, event)) = invocation else {
        return std::future::pending().await;
    };
    let deadline = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970") + Duration::from_secs(900);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let trace = format!("Root=1-{:08x}-{};Parent={};Sampled=0", deadline.as_secs(), &id[..24], &id[24..]);
    (
        [
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", deadline.as_millis().to_string()),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench".into()),
            ("Lambda-Runtime-Trace-Id", trace),
            ("Content-Type", "application/json".into()),
        ],
        event.to_string(),
    )
        .into_response()
}

/// Reads a function's response as it arrives: buffered (one JSON document) or streamed
/// (`Lambda-Runtime-Function-Response-Mode: streaming`: a JSON prelude with the status and
/// headers, eight NUL bytes, then the body, chunked).
async fn response(
    State(api): State<RuntimeApi>,
    Path(_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let streaming = headers.get("lambda-runtime-function-response-mode").is_some_and(|v| v == "streaming");
    let mut chunks = body.into_data_stream();
    let mut received = Vec::new();
    let mut first_byte = None;
    let mut body_starts = None;
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            api.report(Seen::Error("the response body broke off".into()));
            return StatusCode::BAD_REQUEST;
        };
        received.extend_from_slice(&chunk);
        if body_starts.is_none() {
            body_starts = if streaming {
                received.windows(PRELUDE_END.len()).position(|w| w == PRELUDE_END).map(|at| at + PRELUDE_END.len())
            } else {
                Some(0)
            };
        }
        if first_byte.is_none() && body_starts.is_some_and(|start| received.len() > start) {
            first_byte = Some(Instant::now());
        }
    }
    let done = Instant::now();
    let (status, body) = match body_starts {
        Some(start) if streaming => {
            let prelude: Value = serde_json::from_slice(&received[..start - PRELUDE_END.len()]).unwrap_or_default();
            (prelude["statusCode"].as_u64().unwrap_or(0), String::from_utf8_lossy(&received[start..]).into_owned())
        }
        _ if streaming => (0, "a streamed response without its prelude".into()),
        _ => {
            let answer: Value = serde_json::from_slice(&received).unwrap_or_default();
            (answer["statusCode"].as_u64().unwrap_or(0), answer["body"].as_str().unwrap_or_default().to_string())
        }
    };
    let answer = Answer { first_byte: first_byte.unwrap_or(done), done, status: status as u16, body };
    api.report(Seen::Response(answer));
    StatusCode::ACCEPTED
}

async fn invocation_error(State(api): State<RuntimeApi>, body: String) -> StatusCode {
    api.report(Seen::Error(format!("invocation error: {body}")));
    StatusCode::ACCEPTED
}

async fn init_error(State(api): State<RuntimeApi>, body: String) -> StatusCode {
    api.report(Seen::Error(format!("init error: {body}")));
    StatusCode::ACCEPTED
}

/// One run's times since the spawn.
#[derive(Clone, Copy)]
struct Timing {
    init: Duration,
    first_byte: Duration,
    done: Duration,
}

struct Bench {
    runtime_api: String,
    api: RuntimeApi,
    env: Vec<(&'static str, String)>,
    log: std::fs::File,
}

impl Bench {
    /// Spawns a fresh `bootstrap` as `function`, hands it `event` and times it.
    async fn run(&self, bootstrap: &std::path::Path, function: &str, event: Value) -> Timing {
        let (tx, mut seen) = mpsc::unbounded_channel();
        let request_id = uuid::Uuid::new_v4().to_string();
        *self.api.0.lock().expect("runtime api lock") = Some(Pending { request_id, event, seen: tx });
        let mut command = std::process::Command::new(bootstrap);
        command
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("FUNCTION", function)
            .env("AWS_LAMBDA_RUNTIME_API", &self.runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", format!("myclaude-{function}"))
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/myclaude-{function}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023")
            .stdin(std::process::Stdio::null())
            .stdout(self.log.try_clone().expect("log file"))
            .stderr(self.log.try_clone().expect("log file"));
        let spawned = Instant::now();
        let mut child = command.spawn().unwrap_or_else(|e| panic!("spawning {}: {e}", bootstrap.display()));
        let outcome = tokio::time::timeout(RUN_TIMEOUT, async {
            let mut init = None;
            loop {
                match seen.recv().await.expect("the runtime API reports") {
                    Seen::Next(at) => init = Some(at),
                    Seen::Response(answer) => return Ok((init.expect("/next before the response"), answer)),
                    Seen::Error(message) => return Err(message),
                }
            }
        })
        .await;
        let _ = child.kill();
        let _ = child.wait();
        *self.api.0.lock().expect("runtime api lock") = None;
        let (init, answer) = match outcome {
            Ok(Ok(timed)) => timed,
            Ok(Err(message)) => panic!("{function}: {message} (see target/bench-coldstart.log)"),
            Err(_) => panic!("{function}: no response within {RUN_TIMEOUT:?} (see target/bench-coldstart.log)"),
        };
        assert_eq!(answer.status, 200, "{function}: {}", answer.body);
        if function == "chat-stream" {
            assert!(answer.body.contains("event: done"), "{function}: the answer did not finish: {}", answer.body);
        }
        Timing { init: init - spawned, first_byte: answer.first_byte - spawned, done: answer.done - spawned }
    }
}

/// The function's sample event, with `token` and a fresh client address.
fn sample_event(function: &str, token: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../events/{function}.json"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the sample")).expect("JSON");
    if event["headers"].get("Authorization").is_some() {
        let bearer = json!(format!("Bearer {token}"));
        event["headers"]["Authorization"] = bearer.clone();
        event["multiValueHeaders"]["Authorization"] = json!([bearer]);
    }
    event["requestContext"]["identity"]["sourceIp"] = json!(random_loopback().to_string());
    event
}

fn millis(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

#[tokio::main]
async fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the repository");
    let binaries: Vec<std::path::PathBuf> = match std::env::var_os("COLDSTART_BOOTSTRAP") {
        // Relative to the repository (cargo runs benches in the package's directory).
        Some(paths) => std::env::split_paths(&paths).map(|path| root.join(path)).collect(),
        None => vec![root.join("target/release/bootstrap")],
    };
    for bootstrap in &binaries {
        assert!(bootstrap.exists(), "{} is missing: `make bench-coldstart` builds it", bootstrap.display());
    }
    let runs: usize = std::env::var("COLDSTART_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);

    // The user is made with the queue workers on (the verification mail); the runs go to an app
    // without them (same table, so the same user), so that no title job of an earlier run keeps
    // the emulator busy during a later one.
    let user = TestApp::spawn().await.verified_user().await;
    let app = TestApp::spawn_with(AppOptions { workers: false, ..Default::default() }).await;
    let api = RuntimeApi::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
    let runtime_api = listener.local_addr().expect("bound").to_string();
    let routes = router(api.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let log_path = root.join("target/bench-coldstart.log");
    let log = std::fs::File::create(&log_path).expect("the log file");
    let bench = Bench { runtime_api, api, env: app.env.clone(), log };

    println!("cold start: {runs} runs per function and binary, after one warm-up run");
    let mut timings: Vec<Vec<Vec<Timing>>> = vec![vec![Vec::new(); FUNCTIONS.len()]; binaries.len()];
    // Round by round, so drift in the machine's load spreads over every function and binary alike.
    for round in 0..=runs {
        for (i, function) in FUNCTIONS.iter().enumerate() {
            for (b, bootstrap) in binaries.iter().enumerate() {
                let timing = bench.run(bootstrap, function, sample_event(function, &user.token)).await;
                if round > 0 {
                    timings[b][i].push(timing);
                }
            }
        }
    }

    for (bootstrap, timings) in binaries.iter().zip(&timings) {
        println!("\n{}\n", bootstrap.display());
        println!("| function | init median | init p90 | first byte median | first byte p90 | done median | done p90 |");
        println!("|---|---|---|---|---|---|---|");
        for (function, timings) in FUNCTIONS.iter().zip(timings) {
            let column = |pick: fn(&Timing) -> Duration| {
                let mut values: Vec<Duration> = timings.iter().map(pick).collect();
                values.sort();
                format!("{} | {}", millis(median(&values)), millis(percentile(&values, 0.9)))
            };
            println!("| {function} | {} | {} | {} |", column(|t| t.init), column(|t| t.first_byte), column(|t| t.done));
        }
    }
    println!("\n(ms from the process spawn; the bootstraps' logs are in {})", log_path.display());
}
