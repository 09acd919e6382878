//! Account-enumeration timing: does a request about an email with an account take as
//! long as one about an email without? (It must, or response times reveal which
//! emails have accounts.) Four routes: login (known email with a wrong password vs an
//! unknown email), register (an email that has an account vs a new one), password
//! reset and resend-verification (known vs unknown email). Runs the real gateway and
//! handlers against the emulator, over HTTP.
//!
//! `make bench-login` (starts its own emulator). Prints the median, p90 and mean of
//! each kind over 200 requests, interleaved so drift affects both alike. The queue
//! workers do not run: what is measured is the request path (the email worker's
//! share happens after the answer).

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use system_tests::{client_from, random_loopback, unique_email, AppOptions, TestApp, PASSWORD};

const SAMPLES: usize = 200;
/// Each known account is used at most this often per route and window: below the
/// lockout (5 wrong passwords) and the per-email limits of reset and resend (3 an hour).
const USES_PER_ACCOUNT: usize = 3;

/// One request from a fresh address (so the per-IP limits stay out of the way), on a
/// connection opened before the clock starts.
async fn timed(app: &TestApp, path: &str, body: Value, expected: u16) -> Duration {
    let client = client_from(random_loopback());
    let warm = client.get(app.url("/api/v1/health")).send().await.expect("health");
    assert_eq!(warm.status(), 200);
    let started = Instant::now();
    let response = client.post(app.url(path)).json(&body).send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let elapsed = started.elapsed();
    assert_eq!(status, expected, "{path}: {text}");
    elapsed
}

struct Stats {
    median: f64,
    p90: f64,
}

fn summary(name: &str, mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let p90 = ms(samples[samples.len() * 9 / 10]);
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    println!("  {name:<34} n={:<4} median {median:7.2} ms   p90 {p90:7.2} ms   mean {mean:7.2} ms", samples.len());
    Stats { median, p90 }
}

/// Times `SAMPLES` requests of each kind, interleaved, and prints how they compare.
async fn compare<K, U>(app: &TestApp, title: &str, names: (&str, &str), mut known: K, mut unknown: U)
where
    K: AsyncFnMut(usize) -> Duration,
    U: AsyncFnMut(usize) -> Duration,
{
    // Fresh windows for the per-email limits; warm-up of each path first.
    app.start_of_window(3600);
    for i in 0..2 {
        known(SAMPLES + i).await;
        unknown(SAMPLES + i).await;
    }
    app.start_of_window(3600);
    let (mut known_times, mut unknown_times) = (Vec::new(), Vec::new());
    for i in 0..SAMPLES {
        known_times.push(known(i).await);
        unknown_times.push(unknown(i).await);
    }
    println!("{title}, {SAMPLES} each:");
    let a = summary(names.0, known_times);
    let b = summary(names.1, unknown_times);
    let median = (b.median - a.median) / a.median * 100.0;
    let p90 = (b.p90 - a.p90) / a.p90 * 100.0;
    println!("  difference: median {median:+.1}%, p90 {p90:+.1}% (target: within ±10%)");
}

#[tokio::main]
async fn main() {
    let mut app = TestApp::spawn_with(AppOptions { workers: false, ..Default::default() }).await;
    let accounts = SAMPLES.div_ceil(USES_PER_ACCOUNT) + 1;
    let mut known = Vec::new();
    for _ in 0..accounts {
        app.new_ip();
        let email = unique_email();
        assert_eq!(app.register(&email, PASSWORD).await.status, 201);
        known.push(email);
    }
    let account = |i: usize| known[(i / USES_PER_ACCOUNT) % known.len()].clone();
    let app = &app;
    println!("timing over HTTP, local stack, request path only (workers off):");

    let wrong = |email: String| json!({"email": email, "password": "definitely not the password"});
    compare(
        app,
        "login",
        ("known email, wrong password", "unknown email"),
        async |i| timed(app, "/api/v1/auth/login", wrong(account(i)), 401).await,
        async |_| timed(app, "/api/v1/auth/login", wrong(unique_email()), 401).await,
    )
    .await;

    let register = |email: String| json!({"email": email, "password": PASSWORD});
    compare(
        app,
        "register",
        ("email with an account", "new email (account created)"),
        async |i| timed(app, "/api/v1/auth/register", register(account(i)), 201).await,
        async |_| timed(app, "/api/v1/auth/register", register(unique_email()), 201).await,
    )
    .await;

    for (title, path) in
        [("password reset", "/api/v1/auth/password/reset"), ("resend verification", "/api/v1/auth/resend-verification")]
    {
        compare(
            app,
            title,
            ("known email", "unknown email"),
            async |i| timed(app, path, json!({"email": account(i)}), 202).await,
            async |_| timed(app, path, json!({"email": unique_email()}), 202).await,
        )
        .await;
    }
}
