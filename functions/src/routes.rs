//! What a function's entry says: a route (`Route`, next to its handler), a worker or a
//! scheduled job, with the AWS resources it may touch (`Permission`). `crate::table`
//! lists the entries.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use http::Method;
use shared::AppState;
use shared::{ApiResult, Deps};
use std::sync::OnceLock;
use utoipa_axum::router::UtoipaMethodRouter;

/// A route's handler with its OpenAPI operation: `|| routes!(handle)`.
pub type Endpoint = UtoipaMethodRouter<AppState>;
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
    /// Queue memory-extraction jobs.
    EnqueueMemory,
    /// Queue import (and export) jobs.
    EnqueuePortability,
    /// Read, write and delete objects in the files bucket (and presign such requests).
    Files,
    /// Read objects in the files bucket: presigned download URLs (the avatar) work
    /// only with a signer that may read them.
    ReadFiles,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Email,
    Titles,
    Memory,
    Portability,
}

/// One HTTP function: its entry sits next to its handler (`pub static ROUTE`), whose
/// `#[utoipa::path]` gives the method, the path and the summary. The Router, the
/// OpenAPI document and template.yaml are all built from these entries.
pub struct Route {
    /// The function's name; `FUNCTION` in its environment selects it. Also the
    /// OpenAPI operation id.
    pub name: &'static str,
    pub permissions: &'static [Permission],
    /// Served without a token. Every other route answers 401 without one (a system
    /// test checks both ways), and the OpenAPI document's `security` says so.
    pub public: bool,
    /// Answers with a stream (Lambda response streaming; the integration is in
    /// `STREAM` mode) rather than a whole response.
    pub streams: bool,
    /// Work done once at init, off the first request's path (e.g. argon2's memory).
    pub warm_up: Option<fn()>,
    /// The handler with its OpenAPI operation.
    pub endpoint: fn() -> Endpoint,
    operation: OnceLock<Operation>,
}

/// What a route's `#[utoipa::path]` says about it.
struct Operation {
    method: Method,
    path: String,
    summary: String,
}

impl Route {
    pub const fn new(name: &'static str, permissions: &'static [Permission], endpoint: fn() -> Endpoint) -> Self {
        Self { name, permissions, public: false, streams: false, warm_up: None, endpoint, operation: OnceLock::new() }
    }

    pub const fn public(mut self) -> Self {
        self.public = true;
        self
    }

    pub const fn streaming(mut self) -> Self {
        self.streams = true;
        self
    }

    pub const fn warming_up(mut self, warm_up: fn()) -> Self {
        self.warm_up = Some(warm_up);
        self
    }

    fn operation(&self) -> &Operation {
        self.operation.get_or_init(|| {
            let (_, paths, _) = (self.endpoint)();
            let (path, item) = paths.paths.into_iter().next().expect("a route has a path");
            let operations = [
                (Method::GET, item.get),
                (Method::POST, item.post),
                (Method::PUT, item.put),
                (Method::PATCH, item.patch),
                (Method::DELETE, item.delete),
            ];
            let (method, operation) = operations
                .into_iter()
                .find_map(|(method, operation)| Some((method, operation?)))
                .expect("a route has a GET, POST, PUT, PATCH or DELETE operation");
            // The first sentence: a Lambda function's description holds at most 256 characters.
            let summary = operation.summary.unwrap_or_default().replace('\n', " ");
            let sentence = summary.split_once(". ").map_or(summary.as_str(), |(first, _)| first);
            let summary = sentence.trim_end_matches('.').chars().take(256).collect();
            Operation { method, path, summary }
        })
    }

    pub fn method(&self) -> &str {
        self.operation().method.as_str()
    }

    /// The API Gateway resource path, with `{param}` segments.
    pub fn path(&self) -> &str {
        &self.operation().path
    }

    /// The first sentence of the handler's doc comment.
    pub fn summary(&self) -> &str {
        &self.operation().summary
    }
}

/// Declares the handler modules of a group of routes and lists their `ROUTE`s: adding a
/// route is its handler file plus its name here.
macro_rules! route_modules {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// The routes of these modules.
        pub static ROUTES: &[&$crate::routes::Route] = &[$(&$module::ROUTE),*];
    };
}
pub(crate) use route_modules;

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
    /// The function's timeout; its queue hides a message six times as long (AWS's advice
    /// for SQS-triggered functions), so a batch still running is not delivered twice.
    pub timeout_secs: u32,
    /// The function's `/tmp` in MB, when it needs more than Lambda's 512.
    pub disk_mb: Option<u32>,
    /// Messages handed to one invocation (they share its timeout).
    pub batch_size: u32,
}

/// The timeout of a worker that makes a few calls per job.
pub const WORKER_TIMEOUT_SECS: u32 = 60;

use Permission::*;

/// Authenticated routes write too: the session's `last_used_at` is refreshed.
pub const WRITE: &[Permission] = &[TableRead, TableWrite];
pub const WRITE_MAIL: &[Permission] = &[TableRead, TableWrite, EnqueueEmail];
pub const CHAT: &[Permission] = &[TableRead, TableWrite, InvokeModel, EnqueueTitle, EnqueueMemory, Files];
/// Routes that queue a memory extraction.
pub const WRITE_MEMORY: &[Permission] = &[TableRead, TableWrite, EnqueueMemory];
pub const FILES: &[Permission] = &[TableRead, TableWrite, Files];
/// Routes that write UI prototype pages with the model.
pub const GENERATE: &[Permission] = &[TableRead, TableWrite, InvokeModel, Files];
/// Routes answering with presigned download URLs (the user's avatar, an export's archive).
pub const USER: &[Permission] = &[TableRead, TableWrite, ReadFiles];
pub const USER_MAIL: &[Permission] = &[TableRead, TableWrite, EnqueueEmail, ReadFiles];
/// Routes that queue an import (or an export).
pub const PORTABILITY: &[Permission] = &[TableRead, TableWrite, EnqueuePortability];

pub const API_PREFIX: &str = "/api/v1";
