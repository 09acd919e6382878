//! The `/chats` functions: chats and their settings.

pub mod archive;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod messages;
pub mod pair_delete;
pub mod pair_toggle;
pub mod pair_update;
pub mod system_prompt;
pub mod unarchive;
pub mod update;
pub mod usage;
