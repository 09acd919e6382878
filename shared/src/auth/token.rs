//! Access tokens (JWT carrying a session id) and one-time secrets.

use crate::Config;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

pub fn issue(config: &Config, user_id: Uuid, session_id: Uuid, issued_at: i64, expires_at: i64) -> String {
    let claims = Claims {
        sub: user_id,
        sid: session_id,
        iat: issued_at,
        exp: expires_at,
        iss: config.jwt_issuer.clone(),
        aud: config.jwt_audience.clone(),
    };
    let key = EncodingKey::from_secret(config.jwt_secret.expose_secret().as_bytes());
    super::jwt_crypto::install();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("HS256 encoding cannot fail")
}

/// The claims of a well-formed token signed by us for this audience and issuer, or
/// `None`. Only HS256 is accepted (no `none`, no algorithm confusion). Expiry is
/// checked against `now` from the application clock.
pub fn verify(config: &Config, token: &str, now: i64) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[&config.jwt_issuer]);
    validation.set_audience(&[&config.jwt_audience]);
    validation.validate_exp = false;
    let key = DecodingKey::from_secret(config.jwt_secret.expose_secret().as_bytes());
    super::jwt_crypto::install();
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation).ok()?.claims;
    (claims.exp > now).then_some(claims)
}

/// A fresh one-time secret (32 random bytes, URL-safe) and the hash under which it is stored.
pub fn one_time_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let mut config = Config::from_env_with(|name| (name == "APP_ENV").then(|| "local".to_string())).unwrap();
        config.jwt_issuer = "iss".into();
        config.jwt_audience = "aud".into();
        config
    }

    #[test]
    fn round_trip_and_rejections() {
        let config = config();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = issue(&config, user, session, 100, 200);
        let claims = verify(&config, &token, 150).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert!(verify(&config, &token, 200).is_none(), "expired");
        let mut other = config.clone();
        other.jwt_audience = "someone-else".into();
        assert!(verify(&other, &token, 150).is_none(), "wrong audience");
        let mut tampered = token.clone();
        tampered.pop();
        assert!(verify(&config, &tampered, 150).is_none(), "bad signature");
    }

    #[test]
    fn one_time_secrets_are_random_and_hashed() {
        let (a, hash_a) = one_time_secret();
        let (b, _) = one_time_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }
}
