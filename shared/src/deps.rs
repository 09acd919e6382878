//! Everything a handler needs, built once per container and passed as `&Deps`.

use crate::store::Table;
use crate::{Clock, Config};

/// The state every route's handler gets: the dependencies, built once per container.
pub type AppState = std::sync::Arc<Deps>;

pub struct Deps {
    pub config: Config,
    pub dynamo: aws_sdk_dynamodb::Client,
    /// The table, for the store (`crate::store`): its client and name.
    pub table: Table,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub ses: aws_sdk_ses::Client,
    pub bedrock: aws_sdk_bedrockruntime::Client,
    pub clock: Clock,
    /// Outbound HTTPS (Google sign-in).
    pub http: crate::outbound::Client,
    pub google_keys: crate::auth::google::KeyCache,
    /// The active memories this container read, while they are current.
    pub active_memories: crate::store::memories::ActiveCache,
}

impl Deps {
    pub async fn new(config: Config, clock: Clock) -> Self {
        let sdk = sdk_config(&config).await;
        let local = config.aws_endpoint.is_some();
        let mut s3_config = aws_sdk_s3::config::Builder::from(&sdk)
            // The emulator serves buckets by path, not by virtual host.
            .force_path_style(local);
        let mut dynamo_config = aws_sdk_dynamodb::config::Builder::from(&sdk);
        if local {
            // The local stack refuses what the function's IAM policy would (`crate::access`).
            s3_config = s3_config.interceptor(crate::access::ObjectGuard);
            dynamo_config = dynamo_config.interceptor(crate::access::TableGuard);
        }
        let mut bedrock_config = aws_sdk_bedrockruntime::config::Builder::from(&sdk)
            // Falling back to the next model beats retrying a throttled one.
            .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled());
        if let Some(endpoint) = &config.bedrock_endpoint {
            bedrock_config = bedrock_config.endpoint_url(endpoint);
        }
        let dynamo = aws_sdk_dynamodb::Client::from_conf(dynamo_config.build());
        Self {
            table: Table::new(dynamo.clone(), config.table_name.as_str()),
            bedrock: aws_sdk_bedrockruntime::Client::from_conf(bedrock_config.build()),
            dynamo,
            s3: aws_sdk_s3::Client::from_conf(s3_config.build()),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            ses: aws_sdk_ses::Client::new(&sdk),
            config,
            clock,
            http: Default::default(),
            google_keys: Default::default(),
            active_memories: Default::default(),
        }
    }
}

/// The shared SDK configuration.
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    crate::aws::sdk_config(config.region.clone(), config.aws_endpoint.as_deref()).await
}
