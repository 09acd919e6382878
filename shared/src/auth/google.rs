//! Google sign-in. An OAuth access token is accepted only when Google's tokeninfo
//! endpoint says it was issued to our client id (`aud` or `azp`), and the profile then
//! comes from the userinfo endpoint; an OpenID id_token is verified locally against
//! Google's JWKS (RS256, Google's issuer, not expired, `aud` = our client id, and `azp`
//! too when present). A token some other app obtained from its user must never sign
//! that user in here. URLs are configuration, so tests point them at a local stand-in.

use crate::error::{ApiError, ApiResult, ErrorChain};
use crate::{outbound, Deps};
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

/// Whether `token` could be a token Google issued: visible ASCII only.
pub fn plausible_token(token: &str) -> bool {
    token.bytes().all(|b| b.is_ascii_graphic())
}

fn client_id(deps: &Deps) -> ApiResult<&str> {
    deps.config.google_client_id.as_deref().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "google_not_configured", "Google sign-in is not configured.")
    })
}

fn upstream(err: outbound::Error) -> ApiError {
    tracing::error!(error = %ErrorChain(&err), "calling Google failed");
    ApiError::unavailable()
}

/// GETs from Google: a refused token (400, 401, 403) is `invalid_google_token`, anything
/// else unexpected is 503.
async fn call_google(
    deps: &Deps,
    url: &str,
    bearer: Option<&str>,
    endpoint: &'static str,
) -> ApiResult<outbound::Response> {
    let response = deps.http.get(url, bearer).await.map_err(upstream)?;
    match response.status {
        status if status.is_success() => Ok(response),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => Err(invalid_google_token()),
        status => {
            tracing::error!(status = status.as_u16(), endpoint, "Google answered unexpectedly");
            Err(ApiError::unavailable())
        }
    }
}

/// What Google's tokeninfo endpoint says about an access token.
#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default)]
    aud: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    sub: Option<String>,
}

/// Whether Google issued an access token described by `aud`/`azp` to `client_id`.
fn issued_to(client_id: &str, aud: Option<&str>, azp: Option<&str>) -> bool {
    aud == Some(client_id) || azp == Some(client_id)
}

/// Asks Google which app the access token was issued to (tokeninfo) and whose it is
/// (userinfo), both at once; accepts it only if it was issued to our client id.
pub async fn from_access_token(deps: &Deps, access_token: &str) -> ApiResult<GoogleIdentity> {
    let client_id = client_id(deps)?;
    let token_info = async {
        let url = outbound::with_query(&deps.config.google_tokeninfo_url, &[("access_token", access_token)]);
        let response = call_google(deps, &url, None, "tokeninfo").await?;
        response.json::<TokenInfo>().map_err(|_| invalid_google_token())
    };
    let profile = async {
        let response = call_google(deps, &deps.config.google_userinfo_url, Some(access_token), "userinfo").await?;
        response.json::<Profile>().map_err(|_| invalid_google_token())
    };
    let (info, profile) = tokio::try_join!(token_info, profile)?;
    if !issued_to(client_id, info.aud.as_deref(), info.azp.as_deref()) {
        tracing::info!("a Google access token issued to another app was refused");
        return Err(invalid_google_token());
    }
    if info.sub.as_ref().is_some_and(|sub| *sub != profile.sub) {
        return Err(invalid_google_token());
    }
    profile.into_identity()
}

/// `aud` of an id_token: one client id, or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct IdTokenClaims {
    #[serde(flatten)]
    profile: Profile,
    exp: i64,
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
}

impl Audience {
    fn contains(&self, client_id: &str) -> bool {
        match self {
            Self::One(aud) => aud == client_id,
            Self::Many(all) => all.iter().any(|aud| aud == client_id),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(all) => all.len(),
        }
    }
}

impl IdTokenClaims {
    /// Issued to us: `aud` holds our client id (the decoder checks that too), and the
    /// party the token was issued to (`azp`) is us when named. A token with several
    /// audiences must name it (OpenID Connect Core 3.1.3.7).
    fn issued_to(&self, client_id: &str) -> bool {
        self.aud.contains(client_id)
            && match &self.azp {
                Some(azp) => azp == client_id,
                None => self.aud.len() == 1,
            }
    }
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
    super::jwt_crypto::install();
    let claims =
        jsonwebtoken::decode::<IdTokenClaims>(id_token, &key, &validation).map_err(|_| invalid_google_token())?.claims;
    if claims.exp <= deps.clock.unix() || !claims.issued_to(client_id) {
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
        let response = deps.http.get(&deps.config.google_jwks_url, None).await.map_err(upstream)?;
        if !response.status.is_success() {
            tracing::error!(status = response.status.as_u16(), "fetching Google's keys failed");
            return Err(ApiError::unavailable());
        }
        let set: JwkSet = response.json().map_err(|err| {
            tracing::error!(error = %err, "Google's keys are not a JWK set");
            ApiError::unavailable()
        })?;
        let key = Self::find(&set, kid);
        *cached = Some((Instant::now(), set));
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_tokens_must_be_issued_to_us() {
        let us = "us.apps.googleusercontent.com";
        assert!(issued_to(us, Some(us), Some(us)));
        assert!(issued_to(us, Some("other"), Some(us)));
        assert!(issued_to(us, Some(us), None));
        assert!(!issued_to(us, Some("other"), Some("other")));
        assert!(!issued_to(us, None, None));
    }

    #[test]
    fn id_tokens_must_be_issued_to_us() {
        let us = "us";
        let claims = |aud: Audience, azp: Option<&str>| IdTokenClaims {
            profile: Profile {
                sub: "1".into(),
                email: None,
                email_verified: false,
                given_name: None,
                family_name: None,
            },
            exp: 0,
            aud,
            azp: azp.map(str::to_string),
        };
        assert!(claims(Audience::One(us.into()), None).issued_to(us));
        assert!(claims(Audience::One(us.into()), Some(us)).issued_to(us));
        assert!(claims(Audience::Many(vec![us.into()]), None).issued_to(us));
        assert!(!claims(Audience::One("other".into()), None).issued_to(us));
        assert!(!claims(Audience::One(us.into()), Some("other")).issued_to(us));
        assert!(!claims(Audience::Many(vec![us.into(), "other".into()]), None).issued_to(us));
        assert!(claims(Audience::Many(vec![us.into(), "other".into()]), Some(us)).issued_to(us));
    }
}
