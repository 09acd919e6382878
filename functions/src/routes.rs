//! The route table: the single source of truth for which functions exist, what they
//! serve, and what AWS resources they may touch. The local gateway serves from it,
//! `template.yaml` is generated from it, and tests check both stay in step.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use shared::sse::StreamBody;
use shared::{ApiResult, Deps};
use std::sync::Arc;

pub type HttpHandler = for<'a> fn(&'a Deps, Request) -> BoxFuture<'a, ApiResult<Response<Body>>>;
/// A STREAM route: its body outlives the call (it is written by a task of its own),
/// so it holds the dependencies by `Arc`.
pub type StreamHandler = fn(Arc<Deps>, Request) -> BoxFuture<'static, ApiResult<Response<StreamBody>>>;
pub type WorkerHandler = for<'a> fn(&'a Deps, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;
pub type ScheduledHandler = for<'a> fn(&'a Deps, EventBridgeEvent) -> BoxFuture<'a, ApiResult<()>>;

/// What a function may do, turned into its IAM policy in `template.yaml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    TableRead,
    TableWrite,
    /// Describe the table, head the bucket, read queue attributes (health check).
    Describe,
    EnqueueEmail,
    SendEmail,
    /// Call the models on Bedrock.
    InvokeModel,
    /// Queue chat-title jobs.
    EnqueueTitle,
    /// Read, write and delete objects in the files bucket (and presign such requests).
    Files,
    /// Read objects in the files bucket: presigned download URLs (the avatar) work
    /// only with a signer that may read them.
    ReadFiles,
}

/// How a route answers: a whole response (API Gateway buffers it), or a stream
/// (Lambda response streaming; the integration is in `STREAM` mode).
#[derive(Clone, Copy)]
pub enum Handler {
    Buffered(HttpHandler),
    Streaming(StreamHandler),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Email,
    Titles,
}

pub struct Route {
    /// The function's name; `FUNCTION` in its environment selects it.
    pub name: &'static str,
    pub method: &'static str,
    /// API Gateway resource path, with `{param}` segments.
    pub path: &'static str,
    pub handler: Handler,
    pub permissions: &'static [Permission],
    pub summary: &'static str,
}

/// Routes that need no token. Every other route answers 401 without one (a system test
/// checks both ways), and the OpenAPI document's `security` says so per operation.
const PUBLIC: &[&str] = &[
    "health",
    "openapi",
    "docs",
    "auth-register",
    "auth-verify-email",
    "auth-resend-verification",
    "auth-login",
    "auth-password-reset",
    "auth-password-reset-confirm",
    "auth-google",
];

/// Functions that count tokens: they load the tokenizer while the container starts.
const COUNTS_TOKENS: &[&str] =
    &["chat-stream", "chats-pair-update", "projects-knowledge-create", "projects-knowledge-update"];

impl Route {
    pub fn streams(&self) -> bool {
        matches!(self.handler, Handler::Streaming(_))
    }

    pub fn counts_tokens(&self) -> bool {
        COUNTS_TOKENS.contains(&self.name)
    }

    /// Served without a token.
    pub fn public(&self) -> bool {
        PUBLIC.contains(&self.name)
    }
}

/// A function run on a schedule (EventBridge).
pub struct Scheduled {
    pub name: &'static str,
    /// EventBridge schedule expression.
    pub schedule: &'static str,
    /// The same period, for the local stack's scheduler.
    pub every: std::time::Duration,
    pub handler: ScheduledHandler,
    pub permissions: &'static [Permission],
    pub summary: &'static str,
}

pub struct Worker {
    pub name: &'static str,
    pub queue: Queue,
    pub handler: WorkerHandler,
    pub permissions: &'static [Permission],
    pub summary: &'static str,
}

macro_rules! http {
    ($f:path) => {{
        fn call<'a>(deps: &'a Deps, req: Request) -> BoxFuture<'a, ApiResult<Response<Body>>> {
            Box::pin($f(deps, req))
        }
        Handler::Buffered(call as HttpHandler)
    }};
}

macro_rules! scheduled {
    ($f:path) => {{
        fn call<'a>(deps: &'a Deps, event: EventBridgeEvent) -> BoxFuture<'a, ApiResult<()>> {
            Box::pin($f(deps, event))
        }
        call as ScheduledHandler
    }};
}

macro_rules! stream {
    ($f:path) => {{
        fn call(deps: Arc<Deps>, req: Request) -> BoxFuture<'static, ApiResult<Response<StreamBody>>> {
            Box::pin($f(deps, req))
        }
        Handler::Streaming(call as StreamHandler)
    }};
}

macro_rules! worker {
    ($f:path) => {{
        fn call<'a>(deps: &'a Deps, event: SqsEvent) -> BoxFuture<'a, SqsBatchResponse> {
            Box::pin($f(deps, event))
        }
        call as WorkerHandler
    }};
}

use crate::auth;
use Permission::*;

/// Authenticated routes write too: the session's `last_used_at` is refreshed.
const WRITE: &[Permission] = &[TableRead, TableWrite];
const WRITE_MAIL: &[Permission] = &[TableRead, TableWrite, EnqueueEmail];
const CHAT: &[Permission] = &[TableRead, TableWrite, InvokeModel, EnqueueTitle, Files];
const FILES: &[Permission] = &[TableRead, TableWrite, Files];
/// Routes answering with the user (and its avatar URL).
const USER: &[Permission] = &[TableRead, TableWrite, ReadFiles];
const USER_MAIL: &[Permission] = &[TableRead, TableWrite, EnqueueEmail, ReadFiles];

pub const API_PREFIX: &str = "/api/v1";

#[rustfmt::skip]
static ROUTES: &[Route] = &[
    Route { name: "health", method: "GET", path: "/api/v1/health", handler: http!(crate::health::handle), permissions: &[Describe], summary: "Liveness and dependency check" },
    Route { name: "openapi", method: "GET", path: "/api/v1/openapi.json", handler: http!(crate::openapi::handle), permissions: &[], summary: "This API's OpenAPI 3.1 document" },
    Route { name: "docs", method: "GET", path: "/api/v1/docs", handler: http!(crate::docs::handle), permissions: &[], summary: "Interactive API documentation (HTML)" },
    Route { name: "auth-register", method: "POST", path: "/api/v1/auth/register", handler: http!(auth::register::handle), permissions: WRITE_MAIL, summary: "Create an account" },
    Route { name: "auth-verify-email", method: "POST", path: "/api/v1/auth/verify-email", handler: http!(auth::verify_email::handle), permissions: USER, summary: "Verify an email address with the emailed token" },
    Route { name: "auth-resend-verification", method: "POST", path: "/api/v1/auth/resend-verification", handler: http!(auth::resend_verification::handle), permissions: WRITE_MAIL, summary: "Send the verification email again" },
    Route { name: "auth-login", method: "POST", path: "/api/v1/auth/login", handler: http!(auth::login::handle), permissions: USER_MAIL, summary: "Log in with email and password" },
    Route { name: "auth-logout", method: "POST", path: "/api/v1/auth/logout", handler: http!(auth::logout::handle), permissions: WRITE, summary: "Revoke this token" },
    Route { name: "auth-logout-all", method: "POST", path: "/api/v1/auth/logout-all", handler: http!(auth::logout_all::handle), permissions: WRITE, summary: "Revoke every token of the user" },
    Route { name: "auth-me-get", method: "GET", path: "/api/v1/auth/me", handler: http!(auth::me_get::handle), permissions: USER, summary: "The signed-in user" },
    Route { name: "auth-password-reset", method: "POST", path: "/api/v1/auth/password/reset", handler: http!(auth::password_reset::handle), permissions: WRITE_MAIL, summary: "Email a password reset link" },
    Route { name: "auth-password-reset-confirm", method: "POST", path: "/api/v1/auth/password/reset/confirm", handler: http!(auth::password_reset_confirm::handle), permissions: WRITE_MAIL, summary: "Set a new password with the emailed token" },
    Route { name: "auth-password-change", method: "POST", path: "/api/v1/auth/password/change", handler: http!(auth::password_change::handle), permissions: WRITE_MAIL, summary: "Change the password" },
    Route { name: "auth-google", method: "POST", path: "/api/v1/auth/google", handler: http!(auth::google::handle), permissions: USER_MAIL, summary: "Sign in with Google" },
    Route { name: "auth-sessions-list", method: "GET", path: "/api/v1/auth/sessions", handler: http!(auth::sessions_list::handle), permissions: WRITE, summary: "The caller's sessions" },
    Route { name: "auth-sessions-delete", method: "DELETE", path: "/api/v1/auth/sessions/{id}", handler: http!(auth::sessions_delete::handle), permissions: WRITE, summary: "Revoke one session" },
    Route { name: "auth-me-update", method: "PATCH", path: "/api/v1/auth/me", handler: http!(auth::me_update::handle), permissions: USER, summary: "Update the signed-in user's profile" },
    Route { name: "auth-me-delete", method: "DELETE", path: "/api/v1/auth/me", handler: http!(auth::me_delete::handle), permissions: FILES, summary: "Delete the account and all its data" },
    Route { name: "prompts-list", method: "GET", path: "/api/v1/prompts", handler: http!(crate::prompts::list::handle), permissions: WRITE, summary: "The caller's saved system prompts" },
    Route { name: "prompts-create", method: "POST", path: "/api/v1/prompts", handler: http!(crate::prompts::create::handle), permissions: WRITE, summary: "Save a system prompt" },
    Route { name: "prompts-get", method: "GET", path: "/api/v1/prompts/{id}", handler: http!(crate::prompts::get::handle), permissions: WRITE, summary: "One saved prompt" },
    Route { name: "prompts-update", method: "PATCH", path: "/api/v1/prompts/{id}", handler: http!(crate::prompts::update::handle), permissions: WRITE, summary: "Change a saved prompt" },
    Route { name: "prompts-delete", method: "DELETE", path: "/api/v1/prompts/{id}", handler: http!(crate::prompts::delete::handle), permissions: WRITE, summary: "Delete a saved prompt" },
    Route { name: "chats-list", method: "GET", path: "/api/v1/chats", handler: http!(crate::chats::list::handle), permissions: WRITE, summary: "The caller's chats" },
    Route { name: "chats-create", method: "POST", path: "/api/v1/chats", handler: http!(crate::chats::create::handle), permissions: WRITE, summary: "Start a chat" },
    Route { name: "chats-get", method: "GET", path: "/api/v1/chats/{id}", handler: http!(crate::chats::get::handle), permissions: WRITE, summary: "One chat" },
    Route { name: "chats-update", method: "PATCH", path: "/api/v1/chats/{id}", handler: http!(crate::chats::update::handle), permissions: WRITE, summary: "Change a chat" },
    Route { name: "chats-delete", method: "DELETE", path: "/api/v1/chats/{id}", handler: http!(crate::chats::delete::handle), permissions: WRITE, summary: "Delete a chat and its messages" },
    Route { name: "chats-archive", method: "POST", path: "/api/v1/chats/{id}/archive", handler: http!(crate::chats::archive::handle), permissions: WRITE, summary: "Archive a chat" },
    Route { name: "chats-unarchive", method: "POST", path: "/api/v1/chats/{id}/unarchive", handler: http!(crate::chats::unarchive::handle), permissions: WRITE, summary: "Unarchive a chat" },
    Route { name: "chats-system-prompt", method: "PUT", path: "/api/v1/chats/{id}/system-prompt", handler: http!(crate::chats::system_prompt::handle), permissions: WRITE, summary: "Set a chat's system prompt" },
    Route { name: "chats-messages", method: "GET", path: "/api/v1/chats/{id}/messages", handler: http!(crate::chats::messages::handle), permissions: WRITE, summary: "A chat's messages, oldest first" },
    Route { name: "chats-pair-update", method: "PATCH", path: "/api/v1/chats/{id}/pairs/{pair_id}", handler: http!(crate::chats::pair_update::handle), permissions: WRITE, summary: "Edit a user message" },
    Route { name: "chats-pair-toggle", method: "POST", path: "/api/v1/chats/{id}/pairs/{pair_id}/toggle", handler: http!(crate::chats::pair_toggle::handle), permissions: WRITE, summary: "Hide a message pair from the model, or show it again" },
    Route { name: "chats-pair-delete", method: "DELETE", path: "/api/v1/chats/{id}/pairs/{pair_id}", handler: http!(crate::chats::pair_delete::handle), permissions: WRITE, summary: "Delete a message pair" },
    Route { name: "chats-usage", method: "GET", path: "/api/v1/chats/{id}/usage", handler: http!(crate::chats::usage::handle), permissions: WRITE, summary: "A chat's token usage" },
    Route { name: "chat-stream", method: "POST", path: "/api/v1/chat/stream", handler: stream!(crate::chat_stream::handle), permissions: CHAT, summary: "Send a message; the answer streams back as Server-Sent Events" },
    Route { name: "usage-get", method: "GET", path: "/api/v1/usage", handler: http!(crate::usage::handle), permissions: WRITE, summary: "Token usage per day and model" },
    Route { name: "files-validate", method: "POST", path: "/api/v1/files/validate", handler: http!(crate::files::validate::handle), permissions: WRITE, summary: "Check a file before uploading it" },
    Route { name: "files-create", method: "POST", path: "/api/v1/files", handler: http!(crate::files::create::handle), permissions: FILES, summary: "Start an upload (presigned PUT)" },
    Route { name: "files-complete", method: "POST", path: "/api/v1/files/{id}/complete", handler: http!(crate::files::complete::handle), permissions: FILES, summary: "Check an uploaded file and make it ready" },
    Route { name: "files-get", method: "GET", path: "/api/v1/files/{id}", handler: http!(crate::files::get::handle), permissions: FILES, summary: "A file, with a download URL" },
    Route { name: "files-delete", method: "DELETE", path: "/api/v1/files/{id}", handler: http!(crate::files::delete::handle), permissions: FILES, summary: "Delete a file" },
    Route { name: "projects-list", method: "GET", path: "/api/v1/projects", handler: http!(crate::projects::list::handle), permissions: WRITE, summary: "The caller's projects" },
    Route { name: "projects-create", method: "POST", path: "/api/v1/projects", handler: http!(crate::projects::create::handle), permissions: WRITE, summary: "Create a project" },
    Route { name: "projects-get", method: "GET", path: "/api/v1/projects/{id}", handler: http!(crate::projects::get::handle), permissions: WRITE, summary: "One project" },
    Route { name: "projects-update", method: "PATCH", path: "/api/v1/projects/{id}", handler: http!(crate::projects::update::handle), permissions: WRITE, summary: "Change a project" },
    Route { name: "projects-delete", method: "DELETE", path: "/api/v1/projects/{id}", handler: http!(crate::projects::delete::handle), permissions: WRITE, summary: "Delete a project and its knowledge" },
    Route { name: "projects-chats", method: "GET", path: "/api/v1/projects/{id}/chats", handler: http!(crate::projects::chats::handle), permissions: WRITE, summary: "A project's chats" },
    Route { name: "projects-usage", method: "GET", path: "/api/v1/projects/{id}/usage", handler: http!(crate::projects::usage::handle), permissions: WRITE, summary: "A project's token usage" },
    Route { name: "projects-knowledge-list", method: "GET", path: "/api/v1/projects/{id}/knowledge", handler: http!(crate::projects::knowledge_list::handle), permissions: WRITE, summary: "A project's knowledge" },
    Route { name: "projects-knowledge-create", method: "POST", path: "/api/v1/projects/{id}/knowledge", handler: http!(crate::projects::knowledge_create::handle), permissions: WRITE, summary: "Add knowledge to a project" },
    Route { name: "projects-knowledge-get", method: "GET", path: "/api/v1/projects/{id}/knowledge/{kid}", handler: http!(crate::projects::knowledge_get::handle), permissions: WRITE, summary: "One knowledge item" },
    Route { name: "projects-knowledge-update", method: "PATCH", path: "/api/v1/projects/{id}/knowledge/{kid}", handler: http!(crate::projects::knowledge_update::handle), permissions: WRITE, summary: "Change a knowledge item" },
    Route { name: "projects-knowledge-delete", method: "DELETE", path: "/api/v1/projects/{id}/knowledge/{kid}", handler: http!(crate::projects::knowledge_delete::handle), permissions: WRITE, summary: "Delete a knowledge item" },
    Route { name: "projects-knowledge-toggle", method: "POST", path: "/api/v1/projects/{id}/knowledge/{kid}/toggle", handler: http!(crate::projects::knowledge_toggle::handle), permissions: WRITE, summary: "Include a knowledge item in chat, or not" },
];

static WORKERS: &[Worker] = &[
    Worker {
        name: "email-worker",
        queue: Queue::Email,
        handler: worker!(crate::email_worker::handle),
        permissions: &[TableRead, TableWrite, SendEmail],
        summary: "Renders and sends queued emails through SES",
    },
    Worker {
        name: "title-worker",
        queue: Queue::Titles,
        handler: worker!(crate::title_worker::handle),
        permissions: &[TableRead, TableWrite, InvokeModel],
        summary: "Names new chats with the small model",
    },
];

static SCHEDULED: &[Scheduled] = &[Scheduled {
    name: "files-cleanup",
    schedule: "rate(1 hour)",
    every: std::time::Duration::from_secs(3600),
    handler: scheduled!(crate::files_cleanup::handle),
    permissions: &[TableRead, TableWrite, Files],
    summary: "Removes uploads never completed and the files of deleted chats; finishes interrupted account deletions",
}];

pub fn routes() -> &'static [Route] {
    ROUTES
}

pub fn workers() -> &'static [Worker] {
    WORKERS
}

pub fn scheduled() -> &'static [Scheduled] {
    SCHEDULED
}

/// A function of the table, by name.
pub enum Function {
    Http(&'static Route),
    Worker(&'static Worker),
    Scheduled(&'static Scheduled),
}

pub fn function(name: &str) -> Option<Function> {
    routes()
        .iter()
        .find(|r| r.name == name)
        .map(Function::Http)
        .or_else(|| workers().iter().find(|w| w.name == name).map(Function::Worker))
        .or_else(|| scheduled().iter().find(|s| s.name == name).map(Function::Scheduled))
}

/// Matches a request path (trailing slash tolerated) against a route path; returns the
/// path parameters on a match.
pub fn match_path(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let mut params = Vec::new();
    let mut pattern_segments = pattern.split('/');
    let mut path_segments = path.split('/');
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') && !s.is_empty() => {
                params.push((p[1..p.len() - 1].to_string(), s.to_string()));
            }
            (Some(p), Some(s)) if p == s => {}
            _ => return None,
        }
    }
}

/// The route serving `method path`, or the methods the path has (for `Allow`).
pub enum Lookup {
    Found(&'static Route, Vec<(String, String)>),
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

pub fn lookup(method: &str, path: &str) -> Lookup {
    // As in API Gateway, a literal segment wins over a `{param}` one: GET /files/validate
    // is the POST-only /files/validate resource (405), not /files/{id} with id "validate".
    let specificity = |pattern: &str| pattern.split('/').map(|s| !s.starts_with('{')).collect::<Vec<_>>();
    let Some(pattern) = routes()
        .iter()
        .filter(|route| match_path(route.path, path).is_some())
        .map(|route| route.path)
        .max_by_key(|pattern| specificity(pattern))
    else {
        return Lookup::NotFound;
    };
    let mut allowed = Vec::new();
    for route in routes().iter().filter(|route| route.path == pattern) {
        if route.method.eq_ignore_ascii_case(method) {
            let params = match_path(route.path, path).unwrap_or_default();
            return Lookup::Found(route, params);
        }
        if !allowed.contains(&route.method) {
            allowed.push(route.method);
        }
    }
    Lookup::MethodNotAllowed(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn paths_match_with_params_and_trailing_slash() {
        assert_eq!(match_path("/api/v1/auth/me", "/api/v1/auth/me/"), Some(vec![]));
        assert_eq!(
            match_path("/api/v1/chats/{id}", "/api/v1/chats/abc"),
            Some(vec![("id".to_string(), "abc".to_string())])
        );
        assert_eq!(match_path("/api/v1/chats/{id}", "/api/v1/chats/"), None);
        assert_eq!(match_path("/api/v1/chats/{id}", "/api/v1/chats/a/b"), None);
    }

    #[test]
    fn names_and_routes_are_unique() {
        let names: HashSet<_> = routes()
            .iter()
            .map(|r| r.name)
            .chain(workers().iter().map(|w| w.name))
            .chain(scheduled().iter().map(|s| s.name))
            .collect();
        assert_eq!(names.len(), routes().len() + workers().len() + scheduled().len());
        let endpoints: HashSet<_> = routes().iter().map(|r| (r.method, r.path)).collect();
        assert_eq!(endpoints.len(), routes().len());
        assert!(routes().iter().all(|r| r.path.starts_with(API_PREFIX)));
        assert!(PUBLIC.iter().chain(COUNTS_TOKENS).all(|name| routes().iter().any(|r| r.name == *name)));
    }

    #[test]
    fn lookup_distinguishes_unknown_paths_from_wrong_methods() {
        assert!(matches!(lookup("PATCH", "/api/v1/auth/me"), Lookup::Found(r, _) if r.name == "auth-me-update"));
        assert!(
            matches!(lookup("PUT", "/api/v1/auth/me"), Lookup::MethodNotAllowed(m) if m == ["GET", "PATCH", "DELETE"])
        );
        assert!(matches!(lookup("GET", "/api/v1/nope"), Lookup::NotFound));
        assert!(matches!(lookup("GET", "/api/v1/files/validate"), Lookup::MethodNotAllowed(m) if m == ["POST"]));
        assert!(matches!(lookup("GET", "/api/v1/files/0190a1b2"), Lookup::Found(r, _) if r.name == "files-get"));
    }
}
