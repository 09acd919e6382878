//! The `/files` functions: uploads, their check, downloads.

pub mod complete;
pub mod create;
pub mod delete;
pub mod get;
pub mod validate;
