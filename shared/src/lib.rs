//! Everything the Lambda functions share: configuration, the error type at the HTTP
//! boundary, HTTP helpers, authentication, the single-table store, queue jobs, mail,
//! and the domain services. Handlers in `functions` stay thin on top of this crate.

pub mod access;
pub mod account_deletion;
pub mod auth;
pub mod aws;
pub mod chat;
pub mod clock;
pub mod config;
pub mod deps;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod llm;
pub mod mail;
pub mod memory;
pub mod model;
pub mod outbound;
pub mod portability;
pub mod projects;
pub mod prompts;
pub mod prototypes;
pub mod queue;
pub mod ratelimit;
pub mod sse;
pub mod store;
pub mod tokens;
pub mod usage;

pub use clock::Clock;
pub use config::Config;
pub use deps::{AppState, Deps};
pub use error::{ApiError, ApiResult};
