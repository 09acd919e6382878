//! Everything a handler needs, built once per container and passed as `&Deps`.

use crate::store::Table;
use crate::{Clock, Config};
use aws_config::{BehaviorVersion, Region};

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
    pub http: reqwest::Client,
    pub google_keys: crate::auth::google::KeyCache,
    /// The active memories this container read, while they are current.
    pub active_memories: crate::store::memories::ActiveCache,
}

impl Deps {
    pub async fn new(config: Config, clock: Clock) -> Self {
        install_tls_crypto();
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
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .connect_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("the HTTP client builds"),
            google_keys: Default::default(),
            active_memories: Default::default(),
        }
    }
}

/// ring as the process's TLS cryptography, for the clients that take the process default
/// (reqwest: call this before building one); the SDK's client names it itself
/// (`https_client`).
pub fn install_tls_crypto() {
    // Installed already (a second `Deps` in the process): the same provider.
    _ = rustls::crypto::ring::default_provider().install_default();
}

/// The SDK's HTTPS client: hyper 1 and rustls on ring, the binary's one crypto library
/// (what the SDK's `default-https-client` builds, but on ring rather than aws-lc).
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// The shared SDK configuration.
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    aws_sdk_config(config.region.clone(), config.aws_endpoint.as_deref()).await
}

/// The SDK configuration for `region`. Against a local endpoint, static credentials, so
/// nothing ever looks for real AWS credentials. Deployed, Lambda's: the execution role's
/// credentials, which Lambda puts in the environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). The SDK's whole default chain (profiles,
/// SSO, web identity through STS, container and instance metadata) is built only with the
/// `credential-chain` feature, for the operator CLI (`admin`) run from a workstation: the
/// deployed binary is 0.1 MB smaller without it. The clients add what is left unset here
/// (retries, timeouts, the identity cache) from the behaviour version.
pub async fn aws_sdk_config(region: String, endpoint: Option<&str>) -> aws_config::SdkConfig {
    use aws_config::SdkConfig;
    use aws_sdk_dynamodb::config::SharedCredentialsProvider;
    let region = Region::new(region);
    let base = || {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(region.clone())
            .http_client(https_client())
            .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio"))
            .time_source(aws_smithy_async::time::SystemTimeSource::new())
    };
    if let Some(endpoint) = endpoint {
        let local = aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "local-stack");
        return base().endpoint_url(endpoint).credentials_provider(SharedCredentialsProvider::new(local)).build();
    }
    #[cfg(feature = "credential-chain")]
    {
        aws_config::defaults(BehaviorVersion::latest()).region(region).http_client(https_client()).load().await
    }
    #[cfg(not(feature = "credential-chain"))]
    {
        let environment = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
        base().credentials_provider(SharedCredentialsProvider::new(environment)).build()
    }
}

/// As the deployed binary is built (`shared` without `credential-chain`: `cargo test -p
/// shared`, which `make test` runs too).
#[cfg(all(test, not(feature = "credential-chain")))]
mod tests {
    use aws_sdk_dynamodb::config::ProvideCredentials;

    #[tokio::test]
    async fn a_deployed_function_takes_the_credentials_lambda_puts_in_its_environment() {
        // This test alone sets these variables in this process.
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXECUTIONROLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret-of-the-role");
        std::env::set_var("AWS_SESSION_TOKEN", "session-of-the-role");
        let sdk = super::aws_sdk_config("eu-west-1".into(), None).await;
        assert_eq!(sdk.region().map(|region| region.as_ref()), Some("eu-west-1"));
        assert_eq!(sdk.endpoint_url(), None, "the regional AWS endpoints");
        let credentials = sdk.credentials_provider().expect("a provider").provide_credentials().await.expect("read");
        assert_eq!(credentials.access_key_id(), "AKIDEXECUTIONROLE");
        assert_eq!(credentials.secret_access_key(), "secret-of-the-role");
        assert_eq!(credentials.session_token(), Some("session-of-the-role"));
    }
}
