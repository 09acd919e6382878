//! Google sign-in: an OAuth access token is checked against Google's userinfo
//! endpoint; an OpenID id_token is verified locally against Google's JWKS (RS256,
//! `aud` = our client id, Google's issuer, not expired). URLs are configuration, so
//! tests point them at a local stand-in.

use crate::error::{ApiError, ApiResult, ErrorChain};
use crate::Deps;
use http::StatusCode;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Deserializer};
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

pub const GOOGLE_ISSUERS: [&str; 2] = ["https://accounts.google.com", "accounts.google.com"];
/// Google rotates keys over days; an unknown `kid` triggers a refresh anyway.
const JWKS_MAX_AGE: Duration = Duration::from_secs(3600);

/// Who Google says the caller is.
#[derive(Debug, Clone)]
pub struct GoogleIdentity {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub given_name: String,
    pub family_name: String,
}

/// Google sends `email_verified` as a boolean, and in older tokens as a string.
fn bool_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(deserializer)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => t.eq_ignore_ascii_case("true"),
    })
}

#[derive(Deserialize)]
struct Profile {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, deserialize_with = "bool_or_string")]
    email_verified: bool,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
}

impl Profile {
    fn into_identity(self) -> ApiResult<GoogleIdentity> {
        let email = self.email.filter(|e| !e.is_empty()).ok_or_else(|| {
            ApiError::invalid_request("The Google account did not share an email address (scope `email` is required).")
        })?;
        Ok(GoogleIdentity {
            sub: self.sub,
            email,
            email_verified: self.email_verified,
            given_name: self.given_name.unwrap_or_default(),
            family_name: self.family_name.unwrap_or_default(),
        })
    }
}

pub fn invalid_google_token() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_google_token", "Google did not accept this token.")
}

fn client_id(deps: &Deps) -> ApiResult<&str> {
    deps.config.google_client_id.as_deref().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "google_not_configured", "Google sign-in is not configured.")
    })
}

fn upstream(err: reqwest::Error) -> ApiError {
    tracing::error!(error = %ErrorChain(&err), "calling Google failed");
    ApiError::unavailable()
}

/// Asks Google's userinfo endpoint who owns this access token.
pub async fn from_access_token(deps: &Deps, access_token: &str) -> ApiResult<GoogleIdentity> {
    client_id(deps)?;
    let response =
        deps.http.get(&deps.config.google_userinfo_url).bearer_auth(access_token).send().await.map_err(upstream)?;
    match response.status() {
        status if status.is_success() => {}
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => {
            return Err(invalid_google_token())
        }
        status => {
            tracing::error!(status = status.as_u16(), "Google userinfo answered unexpectedly");
            return Err(ApiError::unavailable());
        }
    }
    let profile: Profile = response.json().await.map_err(|_| invalid_google_token())?;
    profile.into_identity()
}

#[derive(Deserialize)]
struct IdTokenClaims {
    #[serde(flatten)]
    profile: Profile,
    exp: i64,
}

/// Verifies an OpenID Connect id_token signed by Google for our client id.
pub async fn from_id_token(deps: &Deps, id_token: &str) -> ApiResult<GoogleIdentity> {
    let client_id = client_id(deps)?;
    let header = jsonwebtoken::decode_header(id_token).map_err(|_| invalid_google_token())?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid_google_token());
    }
    let kid = header.kid.ok_or_else(invalid_google_token)?;
    let key = deps.google_keys.key(deps, &kid).await?.ok_or_else(invalid_google_token)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&GOOGLE_ISSUERS);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Expiry is checked against the application clock below.
    validation.validate_exp = false;
    let claims =
        jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation).map_err(|_| invalid_google_token())?.claims;
    if claims.exp <= deps.clock.unix() {
        return Err(invalid_google_token());
    }
    claims.profile.into_identity()
}

/// Google's signing keys, fetched on demand and kept for an hour per container.
#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<Option<(Instant, JwkSet)>>,
}

impl KeyCache {
    fn find(set: &JwkSet, kid: &str) -> Option<DecodingKey> {
        set.find(kid).and_then(|jwk| DecodingKey::from_jwk(jwk).ok())
    }

    pub async fn key(&self, deps: &Deps, kid: &str) -> ApiResult<Option<DecodingKey>> {
        if let Some((fetched, set)) = self.keys.read().await.as_ref() {
            if fetched.elapsed() < JWKS_MAX_AGE {
                if let Some(key) = Self::find(set, kid) {
                    return Ok(Some(key));
                }
            }
        }
        let mut cached = self.keys.write().await;
        let response = deps.http.get(&deps.config.google_jwks_url).send().await.map_err(upstream)?;
        if !response.status().is_success() {
            tracing::error!(status = response.status().as_u16(), "fetching Google's keys failed");
            return Err(ApiError::unavailable());
        }
        let set: JwkSet = response.json().await.map_err(upstream)?;
        let key = Self::find(&set, kid);
        *cached = Some((Instant::now(), set));
        Ok(key)
    }
}
