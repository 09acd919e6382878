//! Password hashing with argon2id at OWASP's minimum (m=19 MiB, t=2, p=1), run on the
//! blocking pool so it never stalls the async runtime.

use crate::domain::Password;
use crate::error::{ApiError, ApiResult};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: Password) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose())).await?
}

fn hash_blocking(password: &str) -> ApiResult<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| ApiError::internal("hashing a password", &err))
}

/// Verifies `password` against `stored`. With no stored hash (unknown account, or
/// an account without a password) a dummy hash is verified instead, so the answer
/// takes as long as for a real account.
pub async fn verify(password: Password, stored: Option<String>) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match stored {
            Some(phc) => (phc, true),
            None => (dummy_hash().to_string(), false),
        };
        let parsed = PasswordHash::new(&phc).map_err(|err| ApiError::internal("parsing a stored hash", &err))?;
        let matches = hasher().verify_password(password.expose().as_bytes(), &parsed).is_ok();
        Ok(real && matches)
    })
    .await?
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("a password nobody has; only its cost matters").unwrap_or_default())
}

/// Computes the dummy hash ahead of the first login (e.g. during Lambda init).
pub fn warm_up() {
    let _ = dummy_hash();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let hash = hash(Password::parse_any("a long passphrase").unwrap()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(Password::parse_any("a long passphrase").unwrap(), Some(hash.clone())).await.unwrap());
        assert!(!verify(Password::parse_any("another one").unwrap(), Some(hash)).await.unwrap());
        assert!(!verify(Password::parse_any("a long passphrase").unwrap(), None).await.unwrap());
    }
}
