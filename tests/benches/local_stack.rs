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
//! and the table says so. A request that fails, or takes over `BENCH_TIMEOUT_SECS`
//! (default 300), ends its row (the table keeps what was measured and says why); the
//! run then exits non-zero. Target: every p50 ≤ 30 ms.

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
    /// Why the row ended early.
    failed: Option<String>,
}

impl Row {
    fn p(&self, p: f64) -> Option<f64> {
        (!self.samples.is_empty()).then(|| percentile(&self.samples, p))
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.1}"))
}

/// A timed request: how long it took, or why it failed.
type Timed = Result<Duration, String>;

struct Bench {
    http: reqwest::Client,
    api: String,
    token: String,
    requests: usize,
    budget: Duration,
    /// The longest one request may take.
    timeout: Duration,
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

    /// Times `request` after a warm-up, as many times as the budget allows; slow
    /// requests (over a second) are printed as they come.
    async fn measure<F, Fut>(&self, name: &str, mut request: F) -> Row
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = Timed>,
    {
        let timeout = self.timeout;
        let mut request = move |i| {
            let attempt = request(i);
            async move {
                tokio::time::timeout(timeout, attempt)
                    .await
                    .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
            }
        };
        let mut row = Row { name: name.to_string(), samples: Vec::new(), cut: false, failed: None };
        let mut warm_up = Duration::ZERO;
        let mut warmed = 0;
        while warmed < WARM_UP {
            match request(warmed).await {
                Ok(took) => warm_up += took,
                Err(why) => return self.ended(row, why),
            }
            warmed += 1;
            // A slow request is warm after one try: the budget is for measuring.
            if warm_up > Duration::from_secs(1) {
                println!("  {name}: warm-up took {:.1} ms", warm_up.as_secs_f64() * 1000.0);
                break;
            }
        }
        let each = warm_up / warmed as u32;
        let fit = (self.budget.as_secs_f64() / each.as_secs_f64().max(1e-6)) as usize;
        let count = self.requests.min(fit.max(FEWEST));
        row.cut = count < self.requests;
        for i in 0..count {
            match request(warmed + i).await {
                Ok(took) => {
                    if took > Duration::from_secs(1) {
                        println!("  {name}: {}/{count}: {:.1} ms", i + 1, took.as_secs_f64() * 1000.0);
                    }
                    row.samples.push(took.as_secs_f64() * 1000.0);
                }
                Err(why) => return self.ended(row, why),
            }
        }
        println!(
            "  {:<44} n={:<4} p50 {:>9} ms   p90 {:>9} ms",
            row.name,
            row.samples.len(),
            ms(row.p(0.5)),
            ms(row.p(0.9))
        );
        row
    }

    fn ended(&self, mut row: Row, why: String) -> Row {
        println!("  {}: failed after {} measured requests: {why}", row.name, row.samples.len());
        row.failed = Some(why);
        row
    }

    /// One GET, timed to its whole body; it must answer 200.
    async fn timed_get(&self, path: &str) -> Timed {
        let started = Instant::now();
        let reply = self.http.get(self.url(path)).bearer_auth(&self.token).send().await;
        let reply = reply.map_err(|err| format!("GET {path}: {err}"))?;
        let status = reply.status().as_u16();
        let body = reply.bytes().await.unwrap_or_default();
        let elapsed = started.elapsed();
        if status != 200 {
            return Err(format!("GET {path}: {status} {}", String::from_utf8_lossy(&body)));
        }
        Ok(elapsed)
    }

    /// A message to the chat, timed to its first delta; the answer is read to its end
    /// and its pair deleted, so the chat keeps its history (a failed deletion is only
    /// reported: the time to first delta was measured).
    async fn timed_message(&self, chat_id: &str, i: usize) -> Timed {
        let body =
            json!({"chat_id": chat_id, "text": format!("bench-local message {i}: and how would you test that?")});
        let mut stream = open_stream(&self.http, &self.url("/api/v1/chat/stream"), &self.token, body)
            .await
            .map_err(|reply| format!("POST /api/v1/chat/stream: {} {}", reply.status, reply.text))?;
        let mut pair_id = None;
        let mut first_delta = None;
        while let Some(event) = stream.next_event().await {
            match event.name.as_str() {
                "start" => pair_id = event.data["pair_id"].as_str().map(str::to_string),
                "delta" if first_delta.is_none() => first_delta = Some(event.at),
                "error" if first_delta.is_none() => return Err(format!("the chat stream failed: {}", event.data)),
                "error" => println!("  (the answer failed after its first delta: {})", event.data),
                _ => {}
            }
        }
        let first_delta = first_delta.ok_or("the chat stream sent no delta")?;
        let pair_id = pair_id.ok_or("the chat stream sent no start")?;
        let path = format!("/api/v1/chats/{chat_id}/pairs/{pair_id}");
        match self.http.delete(self.url(&path)).bearer_auth(&self.token).send().await {
            Ok(reply) if reply.status().as_u16() == 204 => {}
            Ok(reply) => println!("  (could not delete the new pair: DELETE {path}: {})", reply.status()),
            Err(err) => println!("  (could not delete the new pair: DELETE {path}: {err})"),
        }
        Ok(first_delta)
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
    // Requests time out in `measure` (`BENCH_TIMEOUT_SECS`); this only bounds the rest.
    let http = reqwest::Client::builder().timeout(Duration::from_secs(3_600)).build().expect("a client");
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
        timeout: Duration::from_secs(env_number("BENCH_TIMEOUT_SECS", 300)),
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
        let mut n = row.samples.len().to_string();
        if row.cut {
            n.push_str(" (cut: slow)");
        }
        if row.failed.is_some() {
            n.push_str(" (then failed)");
        }
        let met = match row.p(0.5) {
            Some(p50) if p50 <= TARGET_MS && row.failed.is_none() => "yes",
            _ => "no",
        };
        println!("| {} | {n} | {} | {} | {met} |", row.name, ms(row.p(0.5)), ms(row.p(0.9)));
    }
    let failed: Vec<&Row> = rows.iter().filter(|row| row.failed.is_some()).collect();
    let missed = rows.iter().filter(|row| row.p(0.5).is_none_or(|p50| p50 > TARGET_MS)).count();
    println!();
    if missed == 0 && failed.is_empty() {
        println!("target met: every p50 ≤ {TARGET_MS:.0} ms");
    } else {
        println!("target missed by {missed} of {} rows (p50 ≤ {TARGET_MS:.0} ms)", rows.len());
    }
    for row in &failed {
        println!("{} failed: {}", row.name, row.failed.as_deref().unwrap_or_default());
    }
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
