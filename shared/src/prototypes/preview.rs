//! Signed preview URLs of prototype versions. `GET …/versions/{n}/preview?sig=` is opened
//! by an iframe, which sends no `Authorization` header: the `sig` itself says who may see
//! which version, until when. It is a JWT (HS256, the app's signing key) for an audience
//! of its own, so a session token is never a `sig` and a `sig` is never a session token;
//! it names the user, the prototype, the variant and the version number, and expires 15
//! minutes after it was made.

use crate::Config;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long a preview URL works, in seconds.
pub const PREVIEW_TTL_SECS: i64 = 15 * 60;

/// Which version a `sig` opens, and for whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreviewTarget {
    pub user_id: Uuid,
    pub prototype_id: Uuid,
    pub variant_id: Uuid,
    pub version_number: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    prototype: Uuid,
    variant: Uuid,
    version: i64,
    exp: i64,
    iss: String,
    aud: String,
}

fn audience(config: &Config) -> String {
    format!("{}-preview", config.jwt_audience)
}

/// A `sig` for `target`, valid until `now + PREVIEW_TTL_SECS`; and that expiry.
pub fn sign(config: &Config, target: PreviewTarget, now: i64) -> (String, i64) {
    let exp = now + PREVIEW_TTL_SECS;
    let claims = Claims {
        sub: target.user_id,
        prototype: target.prototype_id,
        variant: target.variant_id,
        version: target.version_number,
        exp,
        iss: config.jwt_issuer.clone(),
        aud: audience(config),
    };
    let key = EncodingKey::from_secret(config.jwt_secret.expose_secret().as_bytes());
    let sig = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("HS256 encoding cannot fail");
    (sig, exp)
}

/// The user a `sig` opens the version at this path for, when it was made by us for
/// exactly this prototype, variant and version number and has not expired; `None`
/// otherwise (forged, expired, another version's, or a session token).
pub fn verify(
    config: &Config,
    sig: &str,
    prototype_id: Uuid,
    variant_id: Uuid,
    version_number: i64,
    now: i64,
) -> Option<Uuid> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.set_issuer(&[&config.jwt_issuer]);
    validation.set_audience(&[audience(config)]);
    // Expiry is checked against the application's clock below, with no leeway.
    validation.validate_exp = false;
    let key = DecodingKey::from_secret(config.jwt_secret.expose_secret().as_bytes());
    let claims = jsonwebtoken::decode::<Claims>(sig, &key, &validation).ok()?.claims;
    let fits = claims.prototype == prototype_id && claims.variant == variant_id && claims.version == version_number;
    (fits && claims.exp > now).then_some(claims.sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> Config {
        Config::from_env_with(|name| match name {
            "APP_ENV" => Some("local".into()),
            "JWT_SECRET" => Some(secret.into()),
            _ => None,
        })
        .unwrap()
    }

    fn target() -> PreviewTarget {
        PreviewTarget {
            user_id: Uuid::now_v7(),
            prototype_id: Uuid::now_v7(),
            variant_id: Uuid::now_v7(),
            version_number: 3,
        }
    }

    #[test]
    fn a_sig_opens_its_own_version_for_its_user_until_it_expires() {
        let config = config("a-secret-of-at-least-thirty-two-characters");
        let t = target();
        let (sig, exp) = sign(&config, t, 1_000);
        assert_eq!(exp, 1_000 + PREVIEW_TTL_SECS);
        let open = |p, v, n, now| verify(&config, &sig, p, v, n, now);
        assert_eq!(open(t.prototype_id, t.variant_id, 3, 1_001), Some(t.user_id));
        assert_eq!(open(t.prototype_id, t.variant_id, 3, exp - 1), Some(t.user_id));
        assert_eq!(open(t.prototype_id, t.variant_id, 3, exp), None, "expired");
        assert_eq!(open(t.prototype_id, t.variant_id, 2, 1_001), None, "another version");
        assert_eq!(open(t.prototype_id, Uuid::now_v7(), 3, 1_001), None, "another variant");
        assert_eq!(open(Uuid::now_v7(), t.variant_id, 3, 1_001), None, "another prototype");
    }

    #[test]
    fn forged_tampered_and_session_tokens_are_refused() {
        let config = config("a-secret-of-at-least-thirty-two-characters");
        let t = target();
        let (sig, _) = sign(&config, t, 1_000);
        let other = config_with_other_secret();
        let (forged, _) = sign(&other, t, 1_000);
        assert_eq!(verify(&config, &forged, t.prototype_id, t.variant_id, 3, 1_001), None, "another key");
        // One character of the payload changed (its middle: never only padding bits).
        let payload = sig.split('.').nth(1).unwrap();
        let at = sig.find(payload).unwrap() + payload.len() / 2;
        let flipped = if &sig[at..at + 1] == "A" { "B" } else { "A" };
        let tampered = format!("{}{flipped}{}", &sig[..at], &sig[at + 1..]);
        assert_eq!(verify(&config, &tampered, t.prototype_id, t.variant_id, 3, 1_001), None);
        assert_eq!(verify(&config, "not-a-jwt", t.prototype_id, t.variant_id, 3, 1_001), None);
        let session = crate::auth::token::issue(&config, t.user_id, Uuid::now_v7(), 1_000, 999_999);
        assert_eq!(verify(&config, &session, t.prototype_id, t.variant_id, 3, 1_001), None, "a session token");
        assert!(crate::auth::token::verify(&config, &sig, 1_001).is_none(), "a sig is no session token");
    }

    fn config_with_other_secret() -> Config {
        config("another-secret-of-at-least-thirty-two-characters")
    }
}
