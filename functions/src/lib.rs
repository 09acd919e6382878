//! Every Lambda function of myclaude: one module per function (a thin handler), the
//! route table that names them, and the glue that runs them.

pub mod auth;
pub mod chat_stream;
pub mod chats;
pub mod docs;
pub mod email_worker;
pub mod error_responses;
pub mod files;
pub mod files_cleanup;
pub mod health;
pub mod openapi;
pub mod projects;
pub mod prompts;
pub mod routes;
pub mod runtime;
pub mod title_worker;
pub mod usage;
pub mod worker;

pub use routes::{routes, scheduled, workers, Route, Scheduled, Worker};
