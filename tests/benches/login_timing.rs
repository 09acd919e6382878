//! Login timing: does a login for an unknown email take as long as one for a known
//! email with a wrong password? (It must, or response times reveal which emails have
//! accounts.) Runs the real gateway and handlers against the emulator, over HTTP.
//!
//! `make bench-login` (starts its own emulator). Prints the median, p90 and mean of
//! each kind over 200 logins, interleaved so drift affects both alike.

use serde_json::json;
use std::time::{Duration, Instant};
use system_tests::{client_from, random_loopback, unique_email, TestApp, PASSWORD};

const LOGINS: usize = 200;
/// Below the lockout threshold (5), so every attempt takes the full path.
const ATTEMPTS_PER_ACCOUNT: usize = 4;

async fn timed_login(app: &TestApp, email: &str) -> Duration {
    // A fresh address for every request keeps the per-IP rate limit out of the way;
    // the connection is opened before the clock starts.
    let client = client_from(random_loopback());
    let warm = client.get(app.url("/api/v1/health")).send().await.expect("health");
    assert_eq!(warm.status(), 200);
    let body = json!({"email": email, "password": "definitely not the password"});
    let started = Instant::now();
    let response = client.post(app.url("/api/v1/auth/login")).json(&body).send().await.expect("login");
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    let elapsed = started.elapsed();
    assert_eq!(status, 401, "every login in this benchmark is a failure");
    elapsed
}

fn summary(name: &str, mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let p90 = ms(samples[samples.len() * 9 / 10]);
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    println!("{name:<32} n={:<4} median {median:7.2} ms   p90 {p90:7.2} ms   mean {mean:7.2} ms", samples.len());
    median
}

#[tokio::main]
async fn main() {
    let mut app = TestApp::spawn().await;
    let accounts = LOGINS.div_ceil(ATTEMPTS_PER_ACCOUNT - 1);
    let mut known = Vec::new();
    for _ in 0..accounts {
        app.new_ip();
        let email = unique_email();
        assert_eq!(app.register(&email, PASSWORD).await.status, 201);
        known.push(email);
    }
    // Warm-up: first uses of each code path (connections, dummy hash, caches).
    for email in known.iter().take(3) {
        timed_login(&app, email).await;
        timed_login(&app, &unique_email()).await;
    }
    let attempts: Vec<&String> =
        known.iter().flat_map(|e| std::iter::repeat_n(e, ATTEMPTS_PER_ACCOUNT - 1)).take(LOGINS).collect();
    let (mut unknown_times, mut known_times) = (Vec::new(), Vec::new());
    for email in attempts.iter().take(LOGINS) {
        known_times.push(timed_login(&app, email).await);
        unknown_times.push(timed_login(&app, &unique_email()).await);
    }
    println!("login timing over HTTP, local stack, {} logins each:", known_times.len());
    let known_median = summary("known email, wrong password", known_times);
    let unknown_median = summary("unknown email", unknown_times);
    let difference = (unknown_median - known_median) / known_median * 100.0;
    println!("median difference: {difference:+.1}% (target: within ±10%)");
}
