//! Black-box tests of the whole system over HTTP against the local stack.

mod auth;
mod authz;
mod chats;
mod deletion;
mod email_queue;
mod events;
mod exports;
mod files;
mod google;
mod http_basics;
mod imports;
mod limits;
mod llm;
mod memories;
mod memory_context;
mod memory_extraction;
mod model_stub;
mod projects;
mod prompts;
mod prototypes;
mod recovery;
mod sessions;
mod stream;
mod template;
mod titles;
mod updates;
