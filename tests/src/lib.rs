//! Test harness: every test spawns its own app (the real gateway and workers, in this
//! process, on a free port) against the shared emulator that `make test` started, with
//! its own queues, and makes its own users, so tests run in parallel without sharing
//! state. Nothing is mocked: the emulator speaks the AWS protocols and the real SDK
//! clients talk to it.

pub mod files;
pub mod google;

use google::FakeGoogle;
use local_stack::resources::{self, QueueSettings};
use local_stack::{gateway, poller};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use shared::config::local_queue_url;
use shared::{Clock, Config, Deps};
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use uuid::Uuid;

pub const TEST_JWT_SECRET: &str = "test-secret-for-the-system-tests-0123456789";
pub const PASSWORD: &str = "correct horse battery staple";
pub const PRIMARY_MODEL: &str = "test-primary-model";
pub const FALLBACK_MODEL: &str = "test-fallback-model";
pub const SMALL_MODEL: &str = "test-small-model";

/// The emulator `make test` started.
pub fn emulator_endpoint() -> String {
    std::env::var("MYCLAUDE_TEST_ENDPOINT")
        .expect("MYCLAUDE_TEST_ENDPOINT is not set: run the tests with `make test`, which starts the emulator")
}

pub type DepsHook = Box<dyn FnOnce(&mut Deps)>;

pub struct AppOptions {
    /// Sender address; its domain is verified in SES unless `verify_sender` is false.
    pub mail_from: String,
    pub verify_sender: bool,
    /// Run the queue workers in the background (like Lambda's event source mapping).
    pub workers: bool,
    pub queues: QueueSettings,
    /// Changes the app's dependencies before it serves (e.g. instruments the clients).
    pub deps_hook: Option<DepsHook>,
    /// A table of its own, for tests of jobs that work across all users' items.
    pub own_table: bool,
    /// Keep every log line (debug level, the SDKs' included) for `captured_logs`. A
    /// benchmark that measures memory turns it off: the buffer only grows.
    pub capture_logs: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            mail_from: "myclaude <no-reply@myclaude.test>".into(),
            verify_sender: true,
            workers: true,
            queues: QueueSettings { visibility_timeout_secs: 1, max_receive_count: 3 },
            deps_hook: None,
            own_table: false,
            capture_logs: true,
        }
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    /// Sends from `ip`.
    pub http: reqwest::Client,
    /// This app's client address: a random loopback address, so the per-IP rate
    /// limits of one test never meet another's.
    pub ip: IpAddr,
    pub google: FakeGoogle,
    /// This app's own model stub (Bedrock stand-in).
    pub model_stub: String,
    pub deps: Arc<Deps>,
    pub clock: Clock,
    /// The environment variables its configuration was read from.
    pub env: Vec<(&'static str, String)>,
    shutdown: Option<oneshot::Sender<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.workers.iter().for_each(|w| w.abort());
    }
}

/// A response as a test sees it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// The configuration read from `vars` as `Config::from_env` reads the environment.
pub fn config_from(vars: &[(&'static str, String)]) -> Config {
    Config::from_env_with(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
        .expect("test configuration is valid")
}

/// The environment of a test app's functions, as template.yaml would set it (the cold-start
/// benchmark runs the real `bootstrap` with it).
pub fn test_env(
    endpoint: &str,
    queue_prefix: &str,
    mail_from: &str,
    google: &FakeGoogle,
    model_stub: &str,
) -> Vec<(&'static str, String)> {
    let email_queue = local_queue_url(endpoint, &format!("{queue_prefix}-email"));
    let title_queue = local_queue_url(endpoint, &format!("{queue_prefix}-titles"));
    let memory_queue = local_queue_url(endpoint, &format!("{queue_prefix}-memory"));
    let portability_queue = local_queue_url(endpoint, &format!("{queue_prefix}-portability"));
    let vars = [
        ("APP_ENV", "local".to_string()),
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("EMAIL_QUEUE_URL", email_queue),
        ("TITLE_QUEUE_URL", title_queue),
        ("MEMORY_QUEUE_URL", memory_queue),
        ("PORTABILITY_QUEUE_URL", portability_queue),
        // Extraction after an answer waits this long (the longest SQS delay), so it never
        // runs in a test that is not about it; memory tests set their own delay.
        ("MEMORY_EXTRACTION_DELAY_SECS", "900".to_string()),
        ("MAIL_FROM", mail_from.to_string()),
        ("JWT_SECRET", TEST_JWT_SECRET.to_string()),
        ("TABLE_NAME", "myclaude-test".to_string()),
        ("FILES_BUCKET", "myclaude-test-files".to_string()),
        ("FRONTEND_URL", "http://localhost:5173".to_string()),
        ("CORS_ALLOWED_ORIGINS", "http://localhost:5173,https://app.example.com".to_string()),
        ("GOOGLE_CLIENT_ID", google::CLIENT_ID.to_string()),
        ("GOOGLE_USERINFO_URL", google.userinfo_url()),
        ("GOOGLE_TOKENINFO_URL", google.tokeninfo_url()),
        ("GOOGLE_JWKS_URL", google.jwks_url()),
        ("BEDROCK_ENDPOINT_URL", model_stub.to_string()),
        ("MODEL_PRIMARY", PRIMARY_MODEL.to_string()),
        ("MODEL_FALLBACKS", FALLBACK_MODEL.to_string()),
        ("MODEL_SMALL", SMALL_MODEL.to_string()),
        // Short, so a test sees keep-alives without waiting 15 s.
        ("STREAM_KEEP_ALIVE_MS", "400".to_string()),
        // Small, so tests reach it with little text.
        ("KNOWLEDGE_TOKEN_LIMIT", "1000".to_string()),
        // A model silent this long ends the answer (the stream tests script longer pauses).
        ("STREAM_IDLE_TIMEOUT_MS", "2500".to_string()),
    ];
    vars.into()
}

/// Every log line the apps of this test process write, as JSON at DEBUG level, so a
/// test can check what logs would contain. One global subscriber: per-test
/// subscribers race with tracing's callsite cache when tests run in parallel.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<LogBuffer> = OnceLock::new();

fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        buffer
    });
}

/// Everything logged so far by this test process.
pub fn captured_logs() -> String {
    let buffer = LOGS.get().expect("logs are captured once an app is spawned");
    String::from_utf8_lossy(&buffer.0.lock().expect("log buffer")).into_owned()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(AppOptions::default()).await
    }

    pub async fn spawn_with(options: AppOptions) -> Self {
        if options.capture_logs {
            capture_logs();
        }
        let endpoint = emulator_endpoint();
        let prefix = format!("t{}", &Uuid::new_v4().simple().to_string()[..12]);
        let google = FakeGoogle::start().await;
        let stub_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
        let model_stub = format!("http://{}", stub_listener.local_addr().expect("bound"));
        tokio::spawn(model_stub::serve(stub_listener, std::future::pending()));
        let mut env = test_env(&endpoint, &prefix, &options.mail_from, &google, &model_stub);
        if options.own_table {
            let table = env.iter_mut().find(|(name, _)| *name == "TABLE_NAME").expect("a table name");
            table.1 = format!("myclaude-test-{prefix}");
        }
        let config = config_from(&env);
        let clock = Clock::system();
        let mut deps = Deps::new(config, clock.clone()).await;
        if let Some(hook) = options.deps_hook {
            hook(&mut deps);
        }
        let deps = Arc::new(deps);
        tokio::try_join!(
            resources::ensure_table(&deps),
            resources::ensure_bucket(&deps),
            resources::ensure_queues(&deps, options.queues),
        )
        .expect("creating the test resources");
        if options.verify_sender {
            resources::ensure_sender(&deps).await.expect("verifying the sender");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
        let address = format!("http://{}", listener.local_addr().expect("bound"));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(gateway::serve(deps.clone(), listener, async {
            let _ = rx.await;
        }));
        let workers = if options.workers { poller::spawn_all(deps.clone()) } else { Vec::new() };
        let ip = random_loopback();
        Self { address, http: client_from(ip), ip, deps, clock, env, google, model_stub, shutdown: Some(tx), workers }
    }

    /// From now on, requests come from another random loopback address.
    pub fn new_ip(&mut self) {
        self.ip = random_loopback();
        self.http = client_from(self.ip);
    }

    /// Moves the app's clock to the start of a fresh rate-limit window of `secs`, so
    /// a burst of requests in a test cannot straddle two windows.
    pub fn start_of_window(&self, secs: i64) {
        let now = self.clock.unix();
        self.clock.advance(time::Duration::seconds(secs - now.rem_euclid(secs)));
    }

    /// Queues a scripted reply in this app's model stub.
    pub async fn script_model(&self, reply: Value) {
        let url = format!("{}/__stub/responses", self.model_stub);
        let response = reqwest::Client::new().post(url).json(&reply).send().await.expect("model stub");
        assert_eq!(response.status(), 201, "the stub accepts the script");
    }

    /// Every request this app's model stub received.
    pub async fn model_requests(&self) -> Vec<Value> {
        let url = format!("{}/__stub/requests", self.model_stub);
        reqwest::get(url).await.expect("model stub").json().await.expect("json")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the request reaches the gateway");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body, text }
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, None, Some(body)).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Reply {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn register(&self, email: &str, password: &str) -> Reply {
        self.post("/api/v1/auth/register", json!({"email": email, "password": password})).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post("/api/v1/auth/login", json!({"email": email, "password": password})).await
    }

    /// Registers, verifies through the emailed link, and logs in.
    pub async fn verified_user(&self) -> TestUser {
        let email = unique_email();
        assert_eq!(self.register(&email, PASSWORD).await.status, 201);
        let token = self.verification_token(&email).await;
        let verified = self.post("/api/v1/auth/verify-email", json!({"token": token})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        TestUser {
            id: login.body["user"]["id"].as_str().expect("user id").to_string(),
            email,
            token: login.body["token"].as_str().expect("token").to_string(),
        }
    }

    /// Turns the user's long-term memory on or off, as the user does (`PATCH /auth/me`).
    pub async fn set_memory_enabled(&self, user: &TestUser, enabled: bool) {
        let body = json!({"memory_enabled": enabled});
        let reply = self.call("PATCH", "/api/v1/auth/me", Some(&user.token), Some(body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["memory_enabled"], enabled);
    }

    /// The token in the newest verification email to `email` (waits for it).
    pub async fn verification_token(&self, email: &str) -> String {
        let mail = wait_for_mail(email, "Verify your email", 1).await.pop().expect("a mail");
        token_from(&mail.body)
    }
}

/// One Server-Sent Event as the client received it.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub name: String,
    pub data: Value,
    /// When it arrived, since the request was sent.
    pub at: Duration,
}

/// An open event stream, read as it arrives.
pub struct SseStream {
    pub headers: HeaderMap,
    response: reqwest::Response,
    /// Bytes received and not yet read as events (a chunk may end inside a character).
    buffer: Vec<u8>,
    sent_at: Instant,
    /// `: keep-alive` comments received so far.
    pub keep_alives: usize,
}

impl SseStream {
    /// When its request was sent.
    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    /// The next event; `None` when the stream ended.
    pub async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let block = String::from_utf8(block).expect("UTF-8 events");
                let mut name = None;
                let mut data = String::new();
                for line in block.lines() {
                    if line.starts_with(':') {
                        self.keep_alives += 1;
                    } else if let Some(value) = line.strip_prefix("event: ") {
                        name = Some(value.to_string());
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data.push_str(value);
                    }
                }
                if let Some(name) = name {
                    let data = serde_json::from_str(&data).unwrap_or_else(|_| panic!("event data is JSON: {data}"));
                    return Some(SseEvent { name, data, at: self.sent_at.elapsed() });
                }
            }
            let chunk = self.response.chunk().await.expect("the stream reads")?;
            self.buffer.extend_from_slice(&chunk);
        }
    }

    /// Every remaining event, to the end of the stream.
    pub async fn rest(mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.next_event().await {
            events.push(event);
        }
        events
    }
}

/// `POST url` of a STREAM route (on any gateway, e.g. a running `make dev`): the open
/// stream, or the JSON reply when none started.
pub async fn open_stream(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Result<SseStream, Reply> {
    let sent_at = Instant::now();
    let request = http.post(url).bearer_auth(token).header("Origin", "http://localhost:5173").json(&body);
    let response = request.send().await.expect("the request reaches the gateway");
    let is_stream = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("text/event-stream"));
    if response.status() == 200 && is_stream {
        let headers = response.headers().clone();
        return Ok(SseStream { headers, response, buffer: Vec::new(), sent_at, keep_alives: 0 });
    }
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Err(Reply { status, headers, body, text })
}

impl TestApp {
    /// `POST /chat/stream`: the open stream, or the JSON reply when none started.
    pub async fn open_stream(&self, token: &str, body: Value) -> Result<SseStream, Reply> {
        self.open_stream_at("/api/v1/chat/stream", token, body).await
    }

    /// `POST path` of a STREAM route: the open stream, or the JSON reply when none started.
    pub async fn open_stream_at(&self, path: &str, token: &str, body: Value) -> Result<SseStream, Reply> {
        open_stream(&self.http, &self.url(path), token, body).await
    }

    /// Sends a chat message and reads the whole answer's events.
    pub async fn chat(&self, token: &str, body: Value) -> Vec<SseEvent> {
        match self.open_stream(token, body).await {
            Ok(stream) => stream.rest().await,
            Err(reply) => panic!("no stream: {} {}", reply.status, reply.text),
        }
    }

    /// `POST path` to a streaming route and reads all its events.
    pub async fn stream_at(&self, path: &str, token: &str, body: Value) -> Vec<SseEvent> {
        match self.open_stream_at(path, token, body).await {
            Ok(stream) => stream.rest().await,
            Err(reply) => panic!("no stream from {path}: {} {}", reply.status, reply.text),
        }
    }

    /// Every item of the table (a Scan over all its pages), as text.
    pub async fn table_items(&self) -> Vec<String> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .deps
                .dynamo
                .scan()
                .table_name(&self.deps.config.table_name)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scanning the table");
            items.extend(page.items().iter().map(|item| format!("{item:?}")));
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// Every key in the files bucket.
    pub async fn bucket_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut continuation = None;
        loop {
            let page = self
                .deps
                .s3
                .list_objects_v2()
                .bucket(&self.deps.config.files_bucket)
                .set_continuation_token(continuation)
                .send()
                .await
                .expect("listing the bucket");
            keys.extend(page.contents().iter().filter_map(|object| object.key().map(str::to_string)));
            continuation = page.next_continuation_token;
            if continuation.is_none() {
                return keys;
            }
        }
    }
}

/// The event named `name` (the first one).
pub fn event<'a>(events: &'a [SseEvent], name: &str) -> &'a SseEvent {
    events.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no {name} event in {events:?}"))
}

/// The texts in `all` that contain `needle`.
pub fn mentioning<'a>(all: &'a [String], needle: &str) -> Vec<&'a String> {
    all.iter().filter(|text| text.contains(needle)).collect()
}

/// The text of every `delta`, joined.
pub fn streamed_text(events: &[SseEvent]) -> String {
    events.iter().filter(|e| e.name == "delta").map(|e| e.data["text"].as_str().expect("delta text")).collect()
}

/// A random address in 127.0.0.0/8 (not 127.0.0.1).
pub fn random_loopback() -> IpAddr {
    use rand::Rng;
    let mut rng = rand::rng();
    IpAddr::from([127, rng.random_range(1..=254), rng.random_range(0..=255), rng.random_range(1..=254)])
}

/// An HTTP client whose connections come from `ip`.
pub fn client_from(ip: IpAddr) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip).build().expect("http client")
}

pub struct TestUser {
    pub id: String,
    pub email: String,
    pub token: String,
}

pub fn unique_email() -> String {
    format!("user-{}@example.com", Uuid::new_v4().simple())
}

/// The `token=` query parameter of the first link in a mail body.
pub fn token_from(body: &str) -> String {
    let start = body.find("token=").expect("a token link in the mail") + "token=".len();
    body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// An email the emulator's SES accepted.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub source: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Mails SES accepted for `to` (the emulator's mail endpoint, see infra/emulator.py).
pub async fn sent_mails(to: &str) -> Vec<SentMail> {
    let url = format!("{}/_local/ses/messages", emulator_endpoint());
    let response = reqwest::Client::new().get(url).query(&[("to", to)]).send().await.expect("emulator mail");
    let messages: Vec<Value> = response.json().await.expect("json");
    messages
        .into_iter()
        .map(|m| SentMail {
            source: m["source"].as_str().unwrap_or_default().to_string(),
            to: m["to"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            subject: m["subject"].as_str().unwrap_or_default().to_string(),
            body: m["body"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// Mails to `to` whose subject contains `subject`.
pub async fn mails_to(to: &str, subject: &str) -> Vec<SentMail> {
    sent_mails(to).await.into_iter().filter(|m| m.subject.contains(subject)).collect()
}

/// Waits (polling, with a deadline) until at least `count` such mails were sent.
pub async fn wait_for_mail(to: &str, subject: &str, count: usize) -> Vec<SentMail> {
    eventually(Duration::from_secs(20), || async {
        let mails = mails_to(to, subject).await;
        (mails.len() >= count).then_some(mails)
    })
    .await
    .unwrap_or_else(|| panic!("no mail {subject:?} to {to} within the deadline"))
}

/// Polls `probe` every 50 ms until it yields `Some` or `deadline` passes.
pub async fn eventually<T, F, Fut>(deadline: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = probe().await {
            return Some(value);
        }
        if Instant::now() >= end {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
