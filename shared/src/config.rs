//! Configuration from environment variables, with defaults for the local stack.
//! Read once per container.

use secrecy::SecretString;
use std::time::Duration;

/// The model stub of the local stack (`make dev`).
pub const DEFAULT_LOCAL_MODEL_STUB: &str = "http://127.0.0.1:4010";
/// Bedrock cross-region inference profiles.
pub const DEFAULT_PRIMARY_MODEL: &str = "global.anthropic.claude-sonnet-4-6";
pub const DEFAULT_FALLBACK_MODEL: &str = "global.anthropic.claude-haiku-4-5-20251001-v1:0";

/// Which models answer: the primary, then the fallbacks in order when the one before
/// is throttled or unavailable; a small model for titles and memory extraction.
#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub primary: String,
    pub fallbacks: Vec<String>,
    pub small: String,
    pub max_output_tokens: i32,
    /// The models' context window in tokens; history is trimmed to fit it.
    pub context_window: usize,
}

impl ModelConfig {
    /// The primary model, then the fallbacks, without repeats.
    pub fn chain(&self) -> Vec<String> {
        let mut chain = vec![self.primary.clone()];
        for model in &self.fallbacks {
            if !chain.contains(model) {
                chain.push(model.clone());
            }
        }
        chain
    }

    /// The small model (titles, memory extraction), then the others of the chain.
    pub fn small_chain(&self) -> Vec<String> {
        let mut chain = vec![self.small.clone()];
        chain.extend(self.chain().into_iter().filter(|m| *m != self.small));
        chain
    }

    /// Whether `model` is one of the configured models (a request may pick one).
    pub fn knows(&self, model: &str) -> bool {
        self.primary == model || self.small == model || self.fallbacks.iter().any(|m| m == model)
    }
}

/// Long-term memory: how much of it a prompt may carry, what extraction keeps, and how
/// long extraction waits after an answer (so a quick exchange makes one job).
#[derive(Clone, Debug)]
pub struct MemoryConfig {
    /// The most tokens of memories one prompt carries.
    pub token_budget: usize,
    /// Extracted candidates less confident than this are dropped.
    pub min_confidence: f64,
    /// The delay of an extraction job queued after an answer (SQS allows at most 900 s).
    pub extraction_delay: Duration,
}

/// The region when `AWS_REGION` is not set (Lambda always sets it).
const DEFAULT_REGION: &str = "us-east-1";

/// Deployed: running in Lambda against real AWS. Under cargo-lambda's local runtime an
/// endpoint override points at the emulator, so local defaults apply.
fn in_lambda(var: &impl Fn(&str) -> Option<String>) -> bool {
    var("AWS_LAMBDA_FUNCTION_NAME").is_some() && var("AWS_ENDPOINT_URL").is_none()
}

/// Where the AWS clients go: the region, and the endpoint unless it is AWS's own (the
/// local stack's emulator by default, outside Lambda). `var` reads a non-empty variable.
fn aws_target(var: &impl Fn(&str) -> Option<String>) -> (String, Option<String>) {
    let endpoint = match var("AWS_ENDPOINT_URL") {
        Some(endpoint) => Some(endpoint),
        None if in_lambda(var) => None,
        None => Some(DEFAULT_LOCAL_ENDPOINT.to_string()),
    };
    (var("AWS_REGION").unwrap_or_else(|| DEFAULT_REGION.into()), endpoint)
}

/// The emulator of the local stack (`make dev`).
pub const DEFAULT_LOCAL_ENDPOINT: &str = "http://127.0.0.1:4566";

/// The decrypted value of an SSM Parameter Store parameter (a SecureString).
pub async fn read_secret_parameter(sdk: &aws_config::SdkConfig, name: &str) -> Result<String, String> {
    let output =
        aws_sdk_ssm::Client::new(sdk).get_parameter().name(name).with_decryption(true).send().await.map_err(|err| {
            format!("cannot read the SSM parameter {name}: {}", aws_sdk_ssm::error::DisplayErrorContext(&err))
        })?;
    output
        .parameter()
        .and_then(|parameter| parameter.value())
        .map(str::to_string)
        .ok_or_else(|| format!("the SSM parameter {name} has no value"))
}

/// The signing key used when `APP_ENV=local` and no `JWT_SECRET` is set. Public, so
/// never used anywhere else.
pub const LOCAL_JWT_SECRET: &str = "local-development-secret-not-for-production-use";

#[derive(Clone, Debug)]
pub struct Config {
    /// Endpoint override for every AWS service (the local emulator). `None` in AWS.
    pub aws_endpoint: Option<String>,
    pub region: String,
    pub table_name: String,
    pub files_bucket: String,
    pub email_queue_url: String,
    pub title_queue_url: String,
    pub memory_queue_url: String,
    /// Imports (and, to come, exports).
    pub portability_queue_url: String,
    pub mail_from: String,
    /// Where links in emails point (the web frontend).
    pub frontend_url: String,
    /// The API's public address, up to (not including) `/api/v1`, for links the API
    /// hands out to itself (prototype previews). Unset: taken from each request (API
    /// Gateway's domain and stage, or the `Host` header).
    pub public_api_url: Option<String>,
    pub cors_allowed_origins: Vec<String>,
    pub jwt_secret: SecretString,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub token_ttl: Duration,
    pub verification_ttl: Duration,
    pub password_reset_ttl: Duration,
    /// OAuth client id of this app at Google; Google sign-in is off without it.
    pub google_client_id: Option<String>,
    pub google_userinfo_url: String,
    /// Says which app an access token was issued to.
    pub google_tokeninfo_url: String,
    pub google_jwks_url: String,
    /// Bedrock endpoint override (the local model stub). `None` in AWS.
    pub bedrock_endpoint: Option<String>,
    pub models: ModelConfig,
    /// Streams send a keep-alive comment after this long without an event.
    pub stream_keep_alive: Duration,
    /// A generating answer is saved at least this often.
    pub stream_save_every: Duration,
    /// An answer is ended (`failed`, text kept) when the model sends nothing for this
    /// long, or when it has taken this long in all (under the function's timeout).
    pub stream_idle_timeout: Duration,
    pub stream_max_duration: Duration,
    /// The most tokens of knowledge a project may include in chat.
    pub knowledge_token_limit: i64,
    /// How long one import job imports before it hands the rest to the next job (under
    /// the portability worker's 15 minutes).
    pub import_job_budget: Duration,
    pub memory: MemoryConfig,
    pub version: String,
}

impl Config {
    /// Reads the configuration. A `JWT_SECRET` is required unless `APP_ENV=local` says
    /// this is the local stack (`make dev`, the tests), which may use a fixed
    /// development secret; an `AWS_ENDPOINT_URL` alone never allows that.
    pub fn from_env() -> Result<Self, String> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// The configuration of a deployed function: as `from_env`, with the JWT secret read once,
    /// here at init, from the SSM Parameter Store SecureString that `JWT_SECRET_PARAMETER`
    /// names (template.yaml), when `JWT_SECRET` itself is not set. A function that neither
    /// signs nor verifies tokens (`signs` false) is not allowed to read it: it gets a random
    /// key of its own, which nothing else would accept. The parameter is read where the other
    /// AWS clients go (`aws_target`).
    pub async fn load(signs: bool) -> Result<Self, String> {
        let parameter = std::env::var("JWT_SECRET_PARAMETER").ok().filter(|name| !name.is_empty());
        let secret = match parameter {
            Some(_) if std::env::var("JWT_SECRET").is_ok_and(|secret| !secret.is_empty()) => None,
            Some(name) if signs => {
                let (region, endpoint) = aws_target(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
                let sdk = crate::aws::sdk_config(region, endpoint.as_deref()).await;
                Some(read_secret_parameter(&sdk, &name).await?)
            }
            Some(_) => Some(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())),
            None => None,
        };
        Self::from_env_with(|name| match (name, &secret) {
            ("JWT_SECRET", Some(secret)) => Some(secret.clone()),
            _ => std::env::var(name).ok(),
        })
    }

    /// Like `from_env`, reading variables through `lookup`.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let in_lambda = in_lambda(&var);
        let local = var("APP_ENV").is_some_and(|env| env == "local");
        let jwt_secret = match var("JWT_SECRET") {
            Some(secret) if secret.len() >= 32 => secret,
            Some(_) => return Err("JWT_SECRET must be at least 32 characters".into()),
            None if local => LOCAL_JWT_SECRET.to_string(),
            None => {
                return Err("JWT_SECRET is required (at least 32 characters); only APP_ENV=local runs without one, \
                    on a public development secret"
                    .into())
            }
        };
        let hours = |name: &str, default: u64| -> Result<Duration, String> {
            match var(name) {
                Some(v) => v
                    .parse::<u64>()
                    .map(|h| Duration::from_secs(h * 3600))
                    .map_err(|_| format!("{name} must be a whole number of hours")),
                None => Ok(Duration::from_secs(default * 3600)),
            }
        };
        let millis = |name: &str, default: u64| -> Result<Duration, String> {
            match var(name) {
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(Duration::from_millis)
                    .ok_or_else(|| format!("{name} must be a positive number of milliseconds")),
                None => Ok(Duration::from_millis(default)),
            }
        };
        let (region, aws_endpoint) = aws_target(&var);
        let table_name = var("TABLE_NAME").unwrap_or_else(|| "myclaude".into());
        let queue_url = |variable: &str, local_name: &str| match var(variable) {
            Some(url) => Ok(url),
            None if in_lambda => Err(format!("{variable} is required")),
            None => Ok(local_queue_url(aws_endpoint.as_deref().unwrap_or(DEFAULT_LOCAL_ENDPOINT), local_name)),
        };
        let email_queue_url = queue_url("EMAIL_QUEUE_URL", "myclaude-email")?;
        let title_queue_url = queue_url("TITLE_QUEUE_URL", "myclaude-titles")?;
        let memory_queue_url = queue_url("MEMORY_QUEUE_URL", "myclaude-memory")?;
        let portability_queue_url = queue_url("PORTABILITY_QUEUE_URL", "myclaude-portability")?;
        Ok(Self {
            aws_endpoint,
            region,
            table_name,
            files_bucket: var("FILES_BUCKET").unwrap_or_else(|| "myclaude-files".into()),
            email_queue_url,
            title_queue_url,
            memory_queue_url,
            portability_queue_url,
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "myclaude <no-reply@myclaude.local>".into()),
            frontend_url: var("FRONTEND_URL").unwrap_or_else(|| "http://localhost:5173".into()),
            public_api_url: var("PUBLIC_API_URL").filter(|url| !url.is_empty()),
            cors_allowed_origins: var("CORS_ALLOWED_ORIGINS")
                .unwrap_or_else(|| "http://localhost:5173".into())
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            jwt_secret: SecretString::from(jwt_secret),
            jwt_issuer: var("JWT_ISSUER").unwrap_or_else(|| "myclaude".into()),
            jwt_audience: var("JWT_AUDIENCE").unwrap_or_else(|| "myclaude-api".into()),
            token_ttl: hours("TOKEN_TTL_HOURS", 24 * 7)?,
            verification_ttl: hours("VERIFICATION_TTL_HOURS", 24)?,
            password_reset_ttl: Duration::from_secs(3600),
            google_client_id: var("GOOGLE_CLIENT_ID"),
            google_userinfo_url: var("GOOGLE_USERINFO_URL")
                .unwrap_or_else(|| "https://openidconnect.googleapis.com/v1/userinfo".into()),
            google_tokeninfo_url: var("GOOGLE_TOKENINFO_URL")
                .unwrap_or_else(|| "https://oauth2.googleapis.com/tokeninfo".into()),
            google_jwks_url: var("GOOGLE_JWKS_URL")
                .unwrap_or_else(|| "https://www.googleapis.com/oauth2/v3/certs".into()),
            bedrock_endpoint: match var("BEDROCK_ENDPOINT_URL") {
                Some(url) => Some(url),
                None if in_lambda => None,
                None => Some(DEFAULT_LOCAL_MODEL_STUB.to_string()),
            },
            models: ModelConfig {
                primary: var("MODEL_PRIMARY").unwrap_or_else(|| DEFAULT_PRIMARY_MODEL.into()),
                fallbacks: var("MODEL_FALLBACKS")
                    .unwrap_or_else(|| DEFAULT_FALLBACK_MODEL.into())
                    .split(',')
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .collect(),
                small: var("MODEL_SMALL").unwrap_or_else(|| DEFAULT_FALLBACK_MODEL.into()),
                max_output_tokens: match var("MODEL_MAX_OUTPUT_TOKENS") {
                    Some(v) => v.parse().map_err(|_| "MODEL_MAX_OUTPUT_TOKENS must be a number".to_string())?,
                    None => 8192,
                },
                context_window: match var("MODEL_CONTEXT_TOKENS") {
                    Some(v) => v.parse().map_err(|_| "MODEL_CONTEXT_TOKENS must be a number".to_string())?,
                    None => 200_000,
                },
            },
            stream_keep_alive: millis("STREAM_KEEP_ALIVE_MS", 15_000)?,
            stream_save_every: millis("STREAM_SAVE_EVERY_MS", 2_000)?,
            stream_idle_timeout: millis("STREAM_IDLE_TIMEOUT_MS", 60_000)?,
            stream_max_duration: millis("STREAM_MAX_DURATION_MS", 270_000)?,
            knowledge_token_limit: match var("KNOWLEDGE_TOKEN_LIMIT") {
                Some(v) => {
                    v.parse().ok().filter(|n: &i64| *n > 0).ok_or("KNOWLEDGE_TOKEN_LIMIT must be a positive number")?
                }
                None => 150_000,
            },
            import_job_budget: millis("IMPORT_JOB_BUDGET_MS", 780_000)?,
            memory: MemoryConfig {
                token_budget: match var("MEMORY_TOKEN_BUDGET") {
                    Some(v) => v.parse().map_err(|_| "MEMORY_TOKEN_BUDGET must be a number of tokens".to_string())?,
                    None => 2_000,
                },
                min_confidence: match var("MEMORY_MIN_CONFIDENCE") {
                    Some(v) => v
                        .parse()
                        .ok()
                        .filter(|c: &f64| (0.0..=1.0).contains(c))
                        .ok_or("MEMORY_MIN_CONFIDENCE must be a number from 0 to 1")?,
                    None => 0.6,
                },
                extraction_delay: match var("MEMORY_EXTRACTION_DELAY_SECS") {
                    Some(v) => v
                        .parse::<u64>()
                        .ok()
                        .filter(|secs| *secs <= 900)
                        .map(Duration::from_secs)
                        .ok_or("MEMORY_EXTRACTION_DELAY_SECS must be a whole number of seconds from 0 to 900")?,
                    // Locally a developer wants to see what was learned soon after a turn.
                    None if local => Duration::from_secs(5),
                    None => Duration::from_secs(60),
                },
            },
            version: env!("CARGO_PKG_VERSION").to_string(),
        })
    }
}

/// The URL the emulator gives a queue (moto: `<endpoint>/<account>/<name>`).
pub fn local_queue_url(endpoint: &str, name: &str) -> String {
    format!("{}/123456789012/{name}", endpoint.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn aws_clients_go_to_aws_in_lambda_and_to_the_emulator_elsewhere() {
        let target = |vars: &[(&str, &str)]| {
            aws_target(&|name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
        };
        let lambda = [("AWS_LAMBDA_FUNCTION_NAME", "chats-list"), ("AWS_REGION", "eu-west-1")];
        assert_eq!(target(&lambda), ("eu-west-1".to_string(), None));
        assert_eq!(target(&[]), (DEFAULT_REGION.to_string(), Some(DEFAULT_LOCAL_ENDPOINT.to_string())));
        let watched = [("AWS_LAMBDA_FUNCTION_NAME", "chats-list"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")];
        assert_eq!(target(&watched), (DEFAULT_REGION.to_string(), Some("http://127.0.0.1:5000".to_string())));
    }

    fn load(vars: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_env_with(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn the_development_secret_needs_app_env_local() {
        let local = load(&[("APP_ENV", "local")]).unwrap();
        assert_eq!(local.jwt_secret.expose_secret(), LOCAL_JWT_SECRET);
        let emulated = load(&[("APP_ENV", "local"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")]).unwrap();
        assert_eq!(emulated.jwt_secret.expose_secret(), LOCAL_JWT_SECRET);

        // An endpoint override alone (cargo-lambda, a misconfigured function) is not "local".
        for vars in [
            &[][..],
            &[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")][..],
            &[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), ("AWS_LAMBDA_FUNCTION_NAME", "auth-login")][..],
            &[("APP_ENV", "production")][..],
            &[("APP_ENV", "")][..],
        ] {
            let err = load(vars).unwrap_err();
            assert!(err.contains("JWT_SECRET is required"), "{vars:?}: {err}");
        }
    }

    #[test]
    fn a_given_secret_is_used_anywhere_and_must_be_long() {
        let secret = "a-real-secret-of-more-than-32-characters";
        let deployed = load(&[
            ("JWT_SECRET", secret),
            ("AWS_LAMBDA_FUNCTION_NAME", "auth-login"),
            ("EMAIL_QUEUE_URL", "q"),
            ("TITLE_QUEUE_URL", "q"),
            ("MEMORY_QUEUE_URL", "q"),
            ("PORTABILITY_QUEUE_URL", "q"),
        ])
        .unwrap();
        assert_eq!(deployed.jwt_secret.expose_secret(), secret);
        let local = load(&[("JWT_SECRET", secret), ("APP_ENV", "local")]).unwrap();
        assert_eq!(local.jwt_secret.expose_secret(), secret, "a real secret wins locally too");
        let short = load(&[("JWT_SECRET", "too-short"), ("APP_ENV", "local")]).unwrap_err();
        assert!(short.contains("at least 32"), "{short}");
    }
}
