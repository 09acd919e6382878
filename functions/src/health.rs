//! GET /api/v1/health: 200 once every dependency is reachable, else 503.

use crate::routes::{Permission, Route};
use axum::extract::State;
use serde::Serialize;
use shared::AppState;
use shared::http::Json;
use shared::{ApiError, ApiResult};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("health", &[Permission::Describe], || routes!(handle)).public();

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` on a 200.
    pub status: &'static str,
    pub version: String,
}

/// Liveness and dependency check
#[utoipa::path(get, path = "/api/v1/health", tag = "meta",
    responses((status = 200, body = Health), (status = 503, body = shared::error::ErrorBody)))]
pub async fn handle(State(deps): State<AppState>) -> ApiResult<Json<Health>> {
    let config = &deps.config;
    let table = deps.dynamo.describe_table().table_name(&config.table_name).send();
    let bucket = deps.s3.head_bucket().bucket(&config.files_bucket).send();
    let queue = deps
        .sqs
        .get_queue_attributes()
        .queue_url(&config.email_queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send();
    let (table, bucket, queue) = tokio::join!(table, bucket, queue);
    if let Err(err) = &table {
        tracing::error!(error = %shared::error::ErrorChain(err), "health: table unreachable");
    }
    if let Err(err) = &bucket {
        tracing::error!(error = %shared::error::ErrorChain(err), "health: bucket unreachable");
    }
    if let Err(err) = &queue {
        tracing::error!(error = %shared::error::ErrorChain(err), "health: queue unreachable");
    }
    if table.is_err() || bucket.is_err() || queue.is_err() {
        return Err(ApiError::unavailable());
    }
    Ok(Json(Health { status: "ok", version: config.version.clone() }))
}
