//! The CPU-bound paths whose speed the release profile's `opt-level` decides, timed on this
//! machine: a password check (argon2id at the login's parameters) and the token count of
//! 1 MB of chat text (tokenizer loaded first). `scripts/bench.sh optlevel` builds and runs it
//! at opt-level 3, "s" and "z" (with the release profile's LTO) to compare them.

use shared::domain::Password;
use std::time::{Duration, Instant};

const RUNS: usize = 9;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let password = || Password::parse_any("correct horse battery staple").expect("a valid password");
    let stored = shared::auth::password::hash(password()).await.expect("hashes");
    let mut checks = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let ok = shared::auth::password::verify(password(), Some(stored.clone())).await.expect("verifies");
        checks.push(started.elapsed());
        assert!(ok);
    }

    let started = Instant::now();
    shared::tokens::count("warm up");
    let load = started.elapsed();
    let words = [
        "the",
        "memory",
        "of",
        "a",
        "chat",
        "fn",
        "main()",
        "{",
        "}",
        "Bedrock",
        "streams",
        "tokens,",
        "naïve",
        "ünïcödé",
        "42",
    ];
    let mut text = String::new();
    let mut i = 0usize;
    while text.len() < 1 << 20 {
        text.push_str(words[(i * 7 + i / 3) % words.len()]);
        text.push(if i.is_multiple_of(13) { '\n' } else { ' ' });
        i += 1;
    }
    let mut counts = Vec::new();
    let mut tokens = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        tokens = shared::tokens::count(&text);
        counts.push(started.elapsed());
    }
    let count = median(counts);
    println!("password check (argon2id m=19 MiB, t=2): {:.1} ms median of {RUNS}", ms(median(checks)));
    println!("tokenizer load: {:.1} ms", ms(load));
    println!(
        "token count of 1 MB: {:.1} ms median of {RUNS} ({tokens} tokens, {:.1} MB/s)",
        ms(count),
        1.0 / count.as_secs_f64()
    );
}
