//! What a function's entry says: a route (`Route`, next to its handler), a worker or a
//! scheduled job, with the AWS resources it may touch (`Permission`). `crate::table`
//! lists the entries.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::BoxFuture;
use http::Method;
use shared::access::{self, ObjectAccess, TableAccess};
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
    /// Read and write the partitions it declares (`shared::access`), in the table and its indexes.
    Table(&'static TableAccess),
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
    /// Read and write objects under the prefixes it declares (`shared::access`) in the files
    /// bucket, and presign such requests: a presigned URL works only with a signer that may.
    Objects(&'static ObjectAccess),
    /// Read the JWT signing secret (SSM Parameter Store) at init: it signs or verifies
    /// access tokens or preview links.
    JwtSecret,
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

/// Routes that only read the user's data (and refresh the session's `last_used_at`).
pub const READ: &[Permission] = &[JwtSecret, Table(&access::USER_DATA_READ)];
/// Routes that write the user's data.
pub const WRITE: &[Permission] = &[JwtSecret, Table(&access::USER_DATA)];
pub const CHAT: &[Permission] =
    &[JwtSecret, Table(&access::USER_DATA), InvokeModel, EnqueueTitle, EnqueueMemory, Objects(&ATTACHMENTS_READ)];
/// Routes that queue a memory extraction.
pub const WRITE_MEMORY: &[Permission] = &[JwtSecret, Table(&access::USER_DATA), EnqueueMemory];
/// Uploads, their checks and deletions.
pub const FILES: &[Permission] = &[JwtSecret, Table(&access::USER_DATA), Objects(&UPLOADED_FILES)];
/// A file's status with its presigned download URL.
pub const FILES_READ: &[Permission] = &[JwtSecret, Table(&access::USER_DATA_READ), Objects(&UPLOADED_FILES_READ)];
/// Routes that write UI prototype pages with the model.
pub const GENERATE: &[Permission] = &[JwtSecret, Table(&access::USER_DATA), InvokeModel, Objects(&PROTOTYPE_PAGES)];
/// Routes that delete prototypes and their pages.
pub const PAGES: &[Permission] = &[JwtSecret, Table(&access::USER_DATA), Objects(&PROTOTYPE_PAGES)];
/// Routes answering with a prototype page.
pub const PAGES_READ: &[Permission] = &[JwtSecret, Table(&access::USER_DATA_READ), Objects(&PROTOTYPE_PAGES_READ)];
/// The public preview of a prototype page (by its unguessable link): no session.
pub const PUBLIC_PAGE: &[Permission] = &[JwtSecret, Table(&access::PUBLIC_READ), Objects(&PROTOTYPE_PAGES_READ)];
/// The export's status with its presigned download URL.
pub const ARCHIVES_READ: &[Permission] = &[JwtSecret, Table(&access::USER_DATA_READ), Objects(&ARCHIVES)];
/// Routes that queue an import (or an export).
pub const PORTABILITY: &[Permission] = &[JwtSecret, Table(&access::USER_DATA), EnqueuePortability];
/// The profile with its avatar's presigned URL.
pub const PROFILE_READ: &[Permission] = &[JwtSecret, Table(&access::USER_DATA_READ), Objects(&AVATARS)];
/// Sign-in and account management: credentials, claims, one-time tokens, throttles.
pub const ACCOUNT: &[Permission] = &[JwtSecret, Table(&access::ACCOUNTS), Objects(&AVATARS)];
pub const ACCOUNT_MAIL: &[Permission] = &[JwtSecret, Table(&access::ACCOUNTS), EnqueueEmail, Objects(&AVATARS)];
/// Deleting the account: everything the user has, in the table and the bucket.
pub const ACCOUNT_DELETE: &[Permission] = &[JwtSecret, Table(&access::ACCOUNTS), Objects(&EVERY_OBJECT)];

/// Attachments are read (for the model) where the upload check put them.
const ATTACHMENTS_READ: ObjectAccess = ObjectAccess { read: &[access::FILES], write: &[] };
/// Presigned downloads of avatars, and of no attachment.
const AVATARS: ObjectAccess = ObjectAccess { read: &[access::AVATARS], write: &[] };
/// Uploads, and where the check moves them: attachments and imports, or avatars.
const UPLOADED: &[&str] = &[access::UPLOADS, access::FILES, access::AVATARS];
const UPLOADED_FILES: ObjectAccess = ObjectAccess { read: UPLOADED, write: UPLOADED };
const UPLOADED_FILES_READ: ObjectAccess = ObjectAccess { read: UPLOADED, write: &[] };
const PROTOTYPE_PAGES: ObjectAccess = ObjectAccess { read: &[access::PROTOTYPES], write: &[access::PROTOTYPES] };
const PROTOTYPE_PAGES_READ: ObjectAccess = ObjectAccess { read: &[access::PROTOTYPES], write: &[] };
const ARCHIVES: ObjectAccess = ObjectAccess { read: &[access::EXPORTS], write: &[] };
/// Every prefix: account deletion and the jobs that clean up or move a user's data.
pub const EVERY_OBJECT: ObjectAccess =
    ObjectAccess { read: access::EVERY_OBJECT_PREFIX, write: access::EVERY_OBJECT_PREFIX };

/// What a function with `permissions` may reach in the table and the bucket.
pub fn scope(function: &'static str, permissions: &'static [Permission]) -> access::Scope {
    access::Scope {
        function,
        table: permissions.iter().find_map(|p| if let Table(table) = p { Some(*table) } else { None }),
        objects: permissions.iter().find_map(|p| if let Objects(objects) = p { Some(*objects) } else { None }),
    }
}

impl Worker {
    /// Runs the handler within the worker's access (`shared::access`).
    pub async fn run(&self, deps: &Deps, event: SqsEvent) -> SqsBatchResponse {
        access::run_as(scope(self.name, self.permissions), (self.handler)(deps, event)).await
    }
}

impl Scheduled {
    /// Runs the handler within the job's access (`shared::access`).
    pub async fn run(&self, deps: &Deps, event: EventBridgeEvent) -> ApiResult<()> {
        access::run_as(scope(self.name, self.permissions), (self.handler)(deps, event)).await
    }
}

pub const API_PREFIX: &str = "/api/v1";
