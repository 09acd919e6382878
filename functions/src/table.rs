//! The table of every function: the single source of truth for which functions exist.
//! Each Lambda's Router, the local gateway, the OpenAPI document and `template.yaml` are
//! built from it, and tests check they stay in step.

use crate::routes::{Route, Scheduled, Worker};
use std::sync::OnceLock;

/// The SQS workers.
static WORKERS: &[&Worker] = &[
    &crate::email_worker::WORKER,
    &crate::title_worker::WORKER,
    &crate::memory_worker::WORKER,
    &crate::portability_worker::WORKER,
];

/// The jobs run on a schedule.
static SCHEDULED: &[&Scheduled] = &[&crate::files_cleanup::SCHEDULED];

/// Every HTTP function, ordered by path and method.
pub fn routes() -> &'static [&'static Route] {
    static ALL: OnceLock<Vec<&'static Route>> = OnceLock::new();
    ALL.get_or_init(|| {
        let groups = [
            crate::ROUTES,
            crate::auth::ROUTES,
            crate::prompts::ROUTES,
            crate::chats::ROUTES,
            crate::files::ROUTES,
            crate::exports::ROUTES,
            crate::imports::ROUTES,
            crate::projects::ROUTES,
            crate::memories::ROUTES,
            crate::design_projects::ROUTES,
            crate::prototypes::ROUTES,
        ];
        let mut all: Vec<&'static Route> = groups.concat();
        let method_order =
            |route: &Route| ["GET", "POST", "PUT", "PATCH", "DELETE"].iter().position(|m| *m == route.method());
        all.sort_by(|a, b| a.path().cmp(b.path()).then(method_order(a).cmp(&method_order(b))));
        all
    })
}

pub fn workers() -> &'static [&'static Worker] {
    WORKERS
}

pub fn scheduled() -> &'static [&'static Scheduled] {
    SCHEDULED
}

/// A function of the table, by name.
pub enum Function {
    Http(&'static Route),
    Worker(&'static Worker),
    Scheduled(&'static Scheduled),
}

impl Function {
    pub fn name(&self) -> &'static str {
        match self {
            Function::Http(route) => route.name,
            Function::Worker(worker) => worker.name,
            Function::Scheduled(job) => job.name,
        }
    }

    /// What it may reach in the table and the bucket (`shared::access`).
    pub fn scope(&self) -> shared::access::Scope {
        crate::routes::scope(self.name(), self.permissions())
    }

    pub fn permissions(&self) -> &'static [crate::routes::Permission] {
        match self {
            Function::Http(route) => route.permissions,
            Function::Worker(worker) => worker.permissions,
            Function::Scheduled(job) => job.permissions,
        }
    }
}

pub fn function(name: &str) -> Option<Function> {
    routes()
        .iter()
        .copied()
        .find(|r| r.name == name)
        .map(Function::Http)
        .or_else(|| workers().iter().copied().find(|w| w.name == name).map(Function::Worker))
        .or_else(|| scheduled().iter().copied().find(|s| s.name == name).map(Function::Scheduled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::API_PREFIX;
    use std::collections::HashSet;

    #[test]
    fn names_and_routes_are_unique() {
        let names: HashSet<_> = routes()
            .iter()
            .map(|r| r.name)
            .chain(workers().iter().map(|w| w.name))
            .chain(scheduled().iter().map(|s| s.name))
            .collect();
        assert_eq!(names.len(), routes().len() + workers().len() + scheduled().len());
        let endpoints: HashSet<_> = routes().iter().map(|r| (r.method(), r.path())).collect();
        assert_eq!(endpoints.len(), routes().len());
        assert!(routes().iter().all(|r| r.path().starts_with(API_PREFIX)));
        assert!(routes().iter().all(|r| !r.summary().is_empty()), "every handler has a doc comment");
    }
}
