//! The AWS SDK's configuration and HTTPS client: what every AWS client of the binary is
//! built from (`Deps::new`, and `Config::load`'s read of the JWT secret before there is a
//! `Deps`).

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::SharedCredentialsProvider;

/// The SDK's HTTPS client: hyper 1 and rustls on ring, the binary's one crypto library
/// (what the SDK's `default-https-client` builds, but on ring rather than aws-lc).
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration for `region`. Against a local endpoint, static credentials, so
/// nothing ever looks for real AWS credentials. Deployed, Lambda's: the execution role's
/// credentials, which Lambda puts in the environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). The SDK's whole default chain (profiles,
/// SSO, web identity through STS, container and instance metadata) is built only with the
/// `credential-chain` feature, for the operator CLI (`admin`) run from a workstation, which
/// keeps that code out of the deployed binary. The clients add what is left unset here
/// (retries, timeouts, the identity cache) from the behaviour version.
pub async fn sdk_config(region: String, endpoint: Option<&str>) -> aws_config::SdkConfig {
    let region = Region::new(region);
    if let Some(endpoint) = endpoint {
        let local = aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "local-stack");
        return configured(region, SharedCredentialsProvider::new(local), Some(endpoint));
    }
    #[cfg(feature = "credential-chain")]
    {
        aws_config::defaults(BehaviorVersion::latest()).region(region).http_client(https_client()).load().await
    }
    #[cfg(not(feature = "credential-chain"))]
    {
        in_lambda(region)
    }
}

/// A deployed function's: the execution role's credentials from the environment.
#[cfg_attr(feature = "credential-chain", allow(dead_code))]
fn in_lambda(region: Region) -> aws_config::SdkConfig {
    let environment = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    configured(region, SharedCredentialsProvider::new(environment), None)
}

/// With what the clients do not default themselves.
fn configured(region: Region, credentials: SharedCredentialsProvider, endpoint: Option<&str>) -> aws_config::SdkConfig {
    let builder = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials)
        .http_client(https_client())
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio"))
        .time_source(aws_smithy_async::time::SystemTimeSource::new());
    match endpoint {
        Some(endpoint) => builder.endpoint_url(endpoint).build(),
        None => builder.build(),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::config::ProvideCredentials;

    #[tokio::test]
    async fn a_deployed_function_takes_the_credentials_lambda_puts_in_its_environment() {
        // This test alone sets these variables in this process.
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXECUTIONROLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret-of-the-role");
        std::env::set_var("AWS_SESSION_TOKEN", "session-of-the-role");
        let sdk = super::in_lambda(super::Region::new("eu-west-1"));
        assert_eq!(sdk.region().map(|region| region.as_ref()), Some("eu-west-1"));
        assert_eq!(sdk.endpoint_url(), None, "the regional AWS endpoints");
        let credentials = sdk.credentials_provider().expect("a provider").provide_credentials().await.expect("read");
        assert_eq!(credentials.access_key_id(), "AKIDEXECUTIONROLE");
        assert_eq!(credentials.secret_access_key(), "secret-of-the-role");
        assert_eq!(credentials.session_token(), Some("session-of-the-role"));
    }
}
