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

/// JSON logs to stdout (CloudWatch). Levels from `LOG_LEVEL`: a default level and levels by
/// target, e.g. `info` or `info,shared=debug` (default `info`); tracing's `Targets`, which
/// needs no regex engine, unlike its `EnvFilter`. Request bodies and headers are never
/// logged, so passwords and tokens cannot leak.
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = log_levels(std::env::var("LOG_LEVEL").ok().as_deref());
    let format =
        tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(false).with_target(false);
    let _ = tracing_subscriber::registry().with(format).with(filter).try_init();
}

/// `LOG_LEVEL`'s levels; `info` everywhere when it is unset or unreadable.
fn log_levels(value: Option<&str>) -> tracing_subscriber::filter::Targets {
    value
        .and_then(|levels| levels.parse().ok())
        .unwrap_or_else(|| tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    #[test]
    fn log_levels_are_a_default_and_levels_by_target() {
        let levels = super::log_levels(Some("info,shared=debug"));
        assert!(levels.would_enable("shared::chat", &Level::DEBUG));
        assert!(!levels.would_enable("functions::app", &Level::DEBUG));
        assert!(levels.would_enable("functions::app", &Level::INFO));
        for unset in [None, Some("shared=loudest")] {
            let levels = super::log_levels(unset);
            assert!(levels.would_enable("shared", &Level::INFO) && !levels.would_enable("shared", &Level::DEBUG));
        }
    }
}
