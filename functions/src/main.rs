//! The one `bootstrap` binary of every Lambda function. `FUNCTION` (set per function
//! in template.yaml) picks the function from the route table: an HTTP route runs its
//! axum Router under lambda_http, a worker or a scheduled job its handler.

use functions::{function, Function};
use lambda_runtime::LambdaEvent;
use shared::{Clock, Config, Deps};
use std::convert::Infallible;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_logging();
    let name = std::env::var("FUNCTION").map_err(|_| "FUNCTION is not set")?;
    let function = function(&name).ok_or_else(|| format!("unknown FUNCTION {name:?}"))?;
    let config = Config::load(function.permissions().contains(&functions::routes::Permission::JwtSecret)).await?;
    // The tokenizer (~75 ms to load) is not loaded here: a request that counts starts loading it
    // in the background, and only a count waits for it (see shared::tokens).
    // Built once per container, during the init phase, and shared by every invocation.
    let deps = Arc::new(Deps::new(config, Clock::system()).await);
    match function {
        Function::Http(route) => {
            if let Some(warm_up) = route.warm_up {
                warm_up();
            }
            let app = functions::app::lambda(route, deps);
            if route.streams {
                lambda_http::run_with_streaming_response(app).await
            } else {
                lambda_http::run(app).await
            }
        }
        Function::Scheduled(job) => {
            lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<_>| {
                let deps = deps.clone();
                async move {
                    // A failed run is reported to Lambda (and logged); the next run retries.
                    job.run(&deps, event.payload).await.map_err(|err| format!("{}: {}", err.code, err.message))
                }
            }))
            .await
        }
        Function::Worker(worker) => {
            lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<_>| {
                let deps = deps.clone();
                async move { Ok::<_, Infallible>(worker.run(&deps, event.payload).await) }
            }))
            .await
        }
    }
}
