//! `myclaude-admin` (see the library for its commands).

use clap::Parser;
use myclaude_admin::{run, Cli};
use shared::Deps;
use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MYCLAUDE_ADMIN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let config = match shared::config::Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: the configuration is incomplete: {err}");
            return ExitCode::FAILURE;
        }
    };
    let deps = Deps::new(config, shared::clock::Clock::system()).await;
    match run(&deps, cli.command).await {
        Ok(out) => {
            print!("{out}");
            let _ = std::io::stdout().flush();
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(fields) = &err.body().error.fields {
                for (field, problems) in fields {
                    eprintln!("  {field}: {}", problems.join(" "));
                }
            }
            ExitCode::FAILURE
        }
    }
}
