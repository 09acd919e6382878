//! `local`: runs the local stack's API gateway, queue workers and model stub against the emulator
//! (`local dev`, used by `make dev`), or prints `template.yaml` (`local template`), the OpenAPI
//! document (`local openapi`) or the route table as JSON (`local routes`; `make test` checks
//! the SAM transform of the template against it), or fills the running stack with a heavy
//! account (`local seed-dev`, used by `make seed-dev`).

use local_stack::{gateway, poller, resources};
use shared::{Clock, Config, Deps};
use std::sync::Arc;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    match std::env::args().nth(1).as_deref() {
        Some("template") => {
            print!("{}", local_stack::template::render());
            Ok(())
        }
        Some("openapi") => {
            println!("{}", serde_json::to_string_pretty(functions::document::document())?);
            Ok(())
        }
        Some("routes") => {
            let routes: Vec<_> = functions::routes()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "name": r.name, "method": r.method(), "path": r.path(), "streams": r.streams, "public": r.public,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&routes)?);
            Ok(())
        }
        Some("dev") | None => dev().await,
        Some("seed-dev") => seed_dev().await,
        Some(other) => {
            Err(format!("unknown command {other:?}; use `dev`, `seed-dev`, `template`, `openapi` or `routes`").into())
        }
    }
}

/// `make seed-dev`: fills the stack `make dev` runs (the emulator at `AWS_ENDPOINT_URL`,
/// the API at `MYCLAUDE_API`, else on `PORT`) with a heavy account and 20 others.
async fn seed_dev() -> Result<(), Error> {
    let port = std::env::var("PORT").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "3000".into());
    let api = std::env::var("MYCLAUDE_API")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let deps = Arc::new(Deps::new(Config::from_env()?, Clock::system()).await);
    local_stack::seed::run(deps, local_stack::seed::Stack { api: api.trim_end_matches('/').to_string() }).await
}

async fn dev() -> Result<(), Error> {
    functions::init_logging();
    let stub_port: u16 =
        std::env::var("MODEL_STUB_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(model_stub::DEFAULT_PORT);
    // The models are this stack's stub, on whatever port it was given (unless told otherwise).
    let mut config = Config::from_env()?;
    if std::env::var("BEDROCK_ENDPOINT_URL").map_or(true, |url| url.is_empty()) {
        config.bedrock_endpoint = Some(format!("http://127.0.0.1:{stub_port}"));
    }
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    // Loads while the stack starts, so the first chat message does not wait for it.
    shared::tokens::warm_up();
    let deps = Arc::new(Deps::new(config, Clock::system()).await);
    resources::ensure_all(&deps, resources::QueueSettings::default()).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let stub_listener = tokio::net::TcpListener::bind(("127.0.0.1", stub_port)).await?;
    let stub = tokio::spawn(model_stub::serve(stub_listener, std::future::pending()));
    let workers = poller::spawn_all(deps.clone());
    let endpoint = deps.config.aws_endpoint.clone().unwrap_or_default();
    println!("myclaude local stack is up:");
    println!("  API             http://127.0.0.1:{port}/api/v1   (health: /api/v1/health, docs: /api/v1/docs)");
    println!(
        "  AWS emulator    {endpoint}   (DynamoDB table {}, bucket {})",
        deps.config.table_name, deps.config.files_bucket
    );
    println!(
        "  queues          {}, {}, {}, {}",
        deps.config.email_queue_url,
        deps.config.title_queue_url,
        deps.config.memory_queue_url,
        deps.config.portability_queue_url
    );
    println!("  model stub      http://127.0.0.1:{stub_port}   (Bedrock Converse/ConverseStream; control API under /__stub/)");
    println!("  workers         {}", functions::workers().iter().map(|w| w.name).collect::<Vec<_>>().join(", "));
    let scheduled: Vec<String> =
        functions::scheduled().iter().map(|s| format!("{} ({})", s.name, s.schedule)).collect();
    println!("  scheduled       {}   (first run at startup)", scheduled.join(", "));
    println!("  sent mail       make mail");
    println!("Ctrl-C stops everything.");
    gateway::serve(deps, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    workers.iter().for_each(|w| w.abort());
    stub.abort();
    Ok(())
}
