//! The one `bootstrap` binary of every Lambda function. `FUNCTION` (set per function
//! in template.yaml) picks the handler from the route table.

use functions::routes::{function, Function};
use functions::runtime::{call_http, call_stream, init_logging};
use lambda_runtime::LambdaEvent;
use shared::{Clock, Config, Deps};
use std::convert::Infallible;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let name = std::env::var("FUNCTION").map_err(|_| "FUNCTION is not set")?;
    let function = function(&name).ok_or_else(|| format!("unknown FUNCTION {name:?}"))?;
    let config = Config::from_env()?;
    // The tokenizer (~75 ms to load) is not loaded here: a request that counts starts loading it
    // in the background, and only a count waits for it (see shared::tokens).
    // Built once per container, during the init phase, and shared by every invocation.
    let deps = Arc::new(Deps::new(config, Clock::system()).await);
    match function {
        Function::Http(route) => {
            if route.name == "auth-login" {
                shared::auth::password::warm_up();
            }
            if route.streams() {
                lambda_http::run_with_streaming_response(lambda_http::service_fn(move |req| {
                    let deps = deps.clone();
                    async move { Ok::<_, Infallible>(call_stream(route, deps, req).await) }
                }))
                .await
            } else {
                lambda_http::run(lambda_http::service_fn(move |req| {
                    let deps = deps.clone();
                    async move { Ok::<_, Infallible>(call_http(route, &deps, req).await) }
                }))
                .await
            }
        }
        Function::Scheduled(job) => {
            lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<_>| {
                let deps = deps.clone();
                async move {
                    // A failed run is reported to Lambda (and logged); the next run retries.
                    (job.handler)(&deps, event.payload).await.map_err(|err| format!("{}: {}", err.code, err.message))
                }
            }))
            .await
        }
        Function::Worker(worker) => {
            lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<_>| {
                let deps = deps.clone();
                async move { Ok::<_, Infallible>((worker.handler)(&deps, event.payload).await) }
            }))
            .await
        }
    }
}
