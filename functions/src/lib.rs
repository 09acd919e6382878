//! Every Lambda function of myclaude: one module per function (a thin handler with its
//! route entry), the table that lists them, and the axum application that serves them.

pub mod app;
pub mod auth;
pub mod chats;
pub mod design_projects;
pub mod document;
pub mod email_worker;
pub mod error_responses;
pub mod exports;
pub mod files;
pub mod files_cleanup;
pub mod imports;
pub mod memories;
pub mod memory_worker;
pub mod portability_worker;
pub mod projects;
pub mod prompts;
pub mod prototypes;
pub mod routes;
pub mod table;
pub mod title_worker;
pub mod worker;

routes::route_modules!(health, openapi, docs, chat_stream, chat_preview, usage);

pub use routes::{Route, Scheduled, Worker};
pub use table::{function, routes, scheduled, workers, Function};

/// JSON logs to stdout (CloudWatch). Level from `LOG_LEVEL` (default `info`).
/// Request bodies and headers are never logged, so passwords and tokens cannot leak.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}
