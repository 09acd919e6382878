//! The `/prompts` functions: saved system prompts.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
