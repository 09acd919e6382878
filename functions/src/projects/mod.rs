//! The `/projects` functions: projects and their knowledge.

pub mod chats;
pub mod create;
pub mod delete;
pub mod get;
pub mod knowledge_create;
pub mod knowledge_delete;
pub mod knowledge_get;
pub mod knowledge_list;
pub mod knowledge_toggle;
pub mod knowledge_update;
pub mod list;
pub mod update;
pub mod usage;
