//! The local stack under a heavy account: latency of the main reads and of a chat
//! message's first delta, through the gateway of the stack `make dev` runs, after
//! `make seed-dev` filled it.
//!
//! `make bench-local` (starts nothing: `MYCLAUDE_API` names the gateway, default
//! `http://127.0.0.1:$PORT`, port 3000). Logs in as the seeded heavy account and, after
//! a short warm-up, times one request at a time (from sending it to having read its
//! whole body; for the chat stream, to its first `delta`):
//! - `GET /chats`: plain, archived, searched by title (`q`), and one project's;
//! - `GET /chats/{id}/messages` of a chat of 20 pairs;
//! - `POST /chat/stream` into that chat (each new pair is deleted after its answer, so
//!   the history stays at 20 pairs);
//! - `GET /memories` (500 of them).
//!
//! `BENCH_REQUESTS` (default 100) requests each; where a warm-up request shows that
//! would take longer than `BENCH_BUDGET_SECS` (default 120) per row, fewer (at least 3),
//! and the table says so. Target: every p50 ≤ 30 ms.

use local_stack::seed::{HEAVY_EMAIL, PASSWORD};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use system_tests::open_stream;

const TARGET_MS: f64 = 30.0;
const WARM_UP: usize = 5;
const FEWEST: usize = 3;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct Row {
    name: String,
    samples: Vec<f64>,
    cut: bool,
}

struct Bench {
    http: reqwest::Client,
    api: String,
    token: String,
    requests: usize,
    budget: Duration,
}

fn fail(message: &str) -> ! {
    eprintln!("bench-local: {message}");
    std::process::exit(1)
}

impl Bench {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let reply = self.http.get(self.url(path)).bearer_auth(&self.token).send().await;
        let reply = reply.unwrap_or_else(|err| fail(&format!("GET {path}: {err}")));
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Times `request` (which returns its own duration) after a warm-up, as many times
    /// as the budget allows.
    async fn measure<F, Fut>(&self, name: &str, mut request: F) -> Row
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = Duration>,
    {
        let mut warm_up = Duration::ZERO;
        let mut warmed = 0;
        while warmed < WARM_UP {
            warm_up += request(warmed).await;
            warmed += 1;
            // A slow request is warm after one try: the budget is for measuring.
            if warm_up > Duration::from_secs(1) {
                break;
            }
        }
        let each = warm_up / warmed as u32;
        let fit = (self.budget.as_secs_f64() / each.as_secs_f64().max(1e-6)) as usize;
        let count = self.requests.min(fit.max(FEWEST));
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            samples.push(request(warmed + i).await.as_secs_f64() * 1000.0);
        }
        let row = Row { name: name.to_string(), cut: count < self.requests, samples };
        println!(
            "  {:<44} n={:<4} p50 {:>9.1} ms   p90 {:>9.1} ms",
            row.name,
            row.samples.len(),
            percentile(&row.samples, 0.5),
            percentile(&row.samples, 0.9)
        );
        row
    }

    /// One GET, timed to its whole body; it must answer 200.
    async fn timed_get(&self, path: &str) -> Duration {
        let started = Instant::now();
        let reply = self.http.get(self.url(path)).bearer_auth(&self.token).send().await;
        let reply = reply.unwrap_or_else(|err| fail(&format!("GET {path}: {err}")));
        let status = reply.status().as_u16();
        let body = reply.bytes().await.unwrap_or_default();
        let elapsed = started.elapsed();
        if status != 200 {
            fail(&format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)));
        }
        elapsed
    }

    /// A message to the chat, timed to its first delta; the answer is read to its end
    /// and its pair deleted, so the chat keeps its history.
    async fn timed_message(&self, chat_id: &str, i: usize) -> Duration {
        let body =
            json!({"chat_id": chat_id, "text": format!("bench-local message {i}: and how would you test that?")});
        let mut stream = match open_stream(&self.http, &self.url("/api/v1/chat/stream"), &self.token, body).await {
            Ok(stream) => stream,
            Err(reply) => fail(&format!("POST /api/v1/chat/stream: {} {}", reply.status, reply.text)),
        };
        let mut pair_id = None;
        let mut first_delta = None;
        while let Some(event) = stream.next_event().await {
            match event.name.as_str() {
                "start" => pair_id = event.data["pair_id"].as_str().map(str::to_string),
                "delta" if first_delta.is_none() => first_delta = Some(event.at),
                "error" => fail(&format!("the chat stream failed: {}", event.data)),
                _ => {}
            }
        }
        let first_delta = first_delta.unwrap_or_else(|| fail("the chat stream sent no delta"));
        let pair_id = pair_id.unwrap_or_else(|| fail("the chat stream sent no start"));
        let path = format!("/api/v1/chats/{chat_id}/pairs/{pair_id}");
        let deleted = self.http.delete(self.url(&path)).bearer_auth(&self.token).send().await;
        match deleted {
            Ok(reply) if reply.status().as_u16() == 204 => {}
            Ok(reply) => fail(&format!("DELETE {path}: {}", reply.status())),
            Err(err) => fail(&format!("DELETE {path}: {err}")),
        }
        first_delta
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(run());
}

async fn run() {
    let api = std::env::var("MYCLAUDE_API")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| format!("http://127.0.0.1:{}", env_number("PORT", 3000)));
    let api = api.trim_end_matches('/').to_string();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().expect("a client");
    match http.get(format!("{api}/api/v1/health")).send().await {
        Ok(reply) if reply.status().is_success() => {}
        Ok(reply) => fail(&format!("the stack at {api} is not healthy ({}); see `make dev`'s output", reply.status())),
        Err(_) => fail(&format!(
            "no local stack at {api}: start it with `make dev` (and fill it once with `make seed-dev`), \
             or point MYCLAUDE_API at it"
        )),
    }
    let login = http
        .post(format!("{api}/api/v1/auth/login"))
        .json(&json!({"email": HEAVY_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|err| fail(&format!("login: {err}")));
    let status = login.status().as_u16();
    let body: Value = login.json().await.unwrap_or(Value::Null);
    if status == 401 {
        fail(&format!("the stack at {api} is not seeded ({HEAVY_EMAIL} cannot log in): run `make seed-dev`"));
    }
    let Some(token) = body["token"].as_str() else { fail(&format!("login: {status} {body}")) };
    let bench = Bench {
        http,
        api: api.clone(),
        token: token.to_string(),
        requests: env_number("BENCH_REQUESTS", 100) as usize,
        budget: Duration::from_secs(env_number("BENCH_BUDGET_SECS", 120)),
    };

    // What the seed made: a chat of 20 pairs (the latest ones), an archived chat, a
    // project with chats.
    let (_, chats) = bench.get("/api/v1/chats?limit=100").await;
    let chats = chats["items"].as_array().cloned().unwrap_or_default();
    let Some(long_chat) = chats.iter().find(|c| c["message_count"] == 40) else {
        fail(&format!("the stack at {api} is not seeded (no chat of 20 pairs): run `make seed-dev`"))
    };
    let chat_id = long_chat["id"].as_str().expect("a chat id").to_string();
    let Some(project_id) = chats.iter().find_map(|c| c["project_id"].as_str()) else {
        fail("no chat in a project among the latest 100: was the stack seeded by `make seed-dev`?")
    };
    let (_, archived) = bench.get("/api/v1/chats?archived=true&limit=1").await;
    if archived["items"].as_array().is_none_or(|items| items.is_empty()) {
        fail("no archived chat: was the stack seeded by `make seed-dev`?");
    }

    println!("bench-local: {api}, logged in as {HEAVY_EMAIL}; one request at a time, after a warm-up");
    let mut rows = Vec::new();
    for (name, path) in [
        ("GET /chats", "/api/v1/chats".to_string()),
        ("GET /chats?archived=true", "/api/v1/chats?archived=true".to_string()),
        ("GET /chats?q=rust (title search)", "/api/v1/chats?q=rust".to_string()),
        ("GET /chats?project_id=…", format!("/api/v1/chats?project_id={project_id}")),
        ("GET /chats/{id}/messages (20 pairs)", format!("/api/v1/chats/{chat_id}/messages")),
        ("GET /memories", "/api/v1/memories".to_string()),
    ] {
        rows.push(bench.measure(name, |_| bench.timed_get(&path)).await);
    }
    let stream = "POST /chat/stream, first delta (20 pairs)";
    rows.push(bench.measure(stream, |i| bench.timed_message(&chat_id, i)).await);

    println!();
    println!("| request | n | p50 ms | p90 ms | p50 ≤ {TARGET_MS:.0} ms |");
    println!("|---|---|---|---|---|");
    for row in &rows {
        let p50 = percentile(&row.samples, 0.5);
        let n = if row.cut { format!("{} (cut: slow)", row.samples.len()) } else { row.samples.len().to_string() };
        println!(
            "| {} | {n} | {p50:.1} | {:.1} | {} |",
            row.name,
            percentile(&row.samples, 0.9),
            if p50 <= TARGET_MS { "yes" } else { "no" }
        );
    }
    let missed = rows.iter().filter(|row| percentile(&row.samples, 0.5) > TARGET_MS).count();
    println!();
    if missed == 0 {
        println!("target met: every p50 ≤ {TARGET_MS:.0} ms");
    } else {
        println!("target missed by {missed} of {} rows (p50 ≤ {TARGET_MS:.0} ms)", rows.len());
    }
}
