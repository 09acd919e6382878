//! jsonwebtoken's cryptography, on ring: the library rustls already uses here, so the
//! binary carries one crypto library rather than two (jsonwebtoken's own choices are
//! aws-lc or the RustCrypto crates). Through jsonwebtoken's documented extension point,
//! [`CryptoProvider`], it provides the HMAC family (our access tokens are HS256) and
//! RSASSA-PKCS1-v1_5 (Google's ID tokens are RS256). Any other algorithm is refused as
//! invalid; our validations accept only HS256 and RS256 anyway.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::{hmac, rand, signature as ring_signature};

/// Installs the provider for this process; call before any signing or verifying. Cheap
/// after the first call.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // Another provider installed first would be jsonwebtoken's own: none is compiled in.
    ONCE.call_once(|| _ = PROVIDER.install_default());
}

static PROVIDER: CryptoProvider =
    CryptoProvider { signer_factory: signer, verifier_factory: verifier, key_utils: KeyUtils::new_unimplemented() };

fn hmac_algorithm(algorithm: Algorithm) -> Option<hmac::Algorithm> {
    match algorithm {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

fn rsa_algorithms(
    algorithm: Algorithm,
) -> Option<(&'static dyn ring_signature::RsaEncoding, &'static ring_signature::RsaParameters)> {
    match algorithm {
        Algorithm::RS256 => Some((&ring_signature::RSA_PKCS1_SHA256, &ring_signature::RSA_PKCS1_2048_8192_SHA256)),
        Algorithm::RS384 => Some((&ring_signature::RSA_PKCS1_SHA384, &ring_signature::RSA_PKCS1_2048_8192_SHA384)),
        Algorithm::RS512 => Some((&ring_signature::RSA_PKCS1_SHA512, &ring_signature::RSA_PKCS1_2048_8192_SHA512)),
        _ => None,
    }
}

fn invalid_key() -> Error {
    ErrorKind::InvalidKeyFormat.into()
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    let algorithm = *algorithm;
    if let Some(hmac_algorithm) = hmac_algorithm(algorithm) {
        if key.family() != AlgorithmFamily::Hmac {
            return Err(invalid_key());
        }
        return Ok(Box::new(HmacKey { algorithm, key: hmac::Key::new(hmac_algorithm, key.as_bytes()) }));
    }
    let (encoding, _) = rsa_algorithms(algorithm).ok_or(ErrorKind::InvalidAlgorithm)?;
    if key.family() != AlgorithmFamily::Rsa {
        return Err(invalid_key());
    }
    // An RSA encoding key holds the private key as PKCS#1 DER.
    let pair = ring_signature::RsaKeyPair::from_der(key.as_bytes())
        .map_err(|err| ErrorKind::InvalidRsaKey(err.to_string()))?;
    Ok(Box::new(RsaSigner { algorithm, encoding, pair }))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let algorithm = *algorithm;
    if let Some(hmac_algorithm) = hmac_algorithm(algorithm) {
        if key.family() != AlgorithmFamily::Hmac {
            return Err(invalid_key());
        }
        return Ok(Box::new(HmacKey { algorithm, key: hmac::Key::new(hmac_algorithm, key.try_get_as_bytes()?) }));
    }
    let (_, parameters) = rsa_algorithms(algorithm).ok_or(ErrorKind::InvalidAlgorithm)?;
    if key.family() != AlgorithmFamily::Rsa {
        return Err(invalid_key());
    }
    Ok(Box::new(RsaVerifier { algorithm, parameters, key: key.kind().clone() }))
}

struct HmacKey {
    algorithm: Algorithm,
    key: hmac::Key,
}

impl Signer<Vec<u8>> for HmacKey {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }
}

impl JwtSigner for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl Verifier<Vec<u8>> for HmacKey {
    /// In constant time (ring's `hmac::verify`).
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> Result<(), signature::Error> {
        hmac::verify(&self.key, message, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

struct RsaSigner {
    algorithm: Algorithm,
    encoding: &'static dyn ring_signature::RsaEncoding,
    pair: ring_signature::RsaKeyPair,
}

impl Signer<Vec<u8>> for RsaSigner {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut signed = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(self.encoding, &rand::SystemRandom::new(), message, &mut signed)
            .map_err(|_| signature::Error::new())?;
        Ok(signed)
    }
}

impl JwtSigner for RsaSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

struct RsaVerifier {
    algorithm: Algorithm,
    parameters: &'static ring_signature::RsaParameters,
    key: DecodingKeyKind,
}

impl Verifier<Vec<u8>> for RsaVerifier {
    fn verify(&self, message: &[u8], signed: &Vec<u8>) -> Result<(), signature::Error> {
        let checked = match &self.key {
            // A public key as DER (RSAPublicKey, from a PEM).
            DecodingKeyKind::SecretOrDer(der) => {
                ring_signature::UnparsedPublicKey::new(self.parameters, der).verify(message, signed)
            }
            // A JWK's modulus and exponent, as Google publishes its keys.
            DecodingKeyKind::RsaModulusExponent { n, e } => {
                ring_signature::RsaPublicKeyComponents { n, e }.verify(self.parameters, message, signed)
            }
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RsaVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, encode, Header, Validation};
    use serde_json::{json, Value};

    /// The test-only RSA key the stand-in for Google signs with.
    const TEST_KEY: &str = include_str!("../../../tests/fixtures/google-test-key.pem");

    fn validation(algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation
    }

    #[test]
    fn hmac_tokens_verify_with_their_key_only() {
        install();
        let claims = json!({"sub": "ada"});
        for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let token = encode(&Header::new(algorithm), &claims, &EncodingKey::from_secret(b"secret")).unwrap();
            let read = decode::<Value>(&token, &DecodingKey::from_secret(b"secret"), &validation(algorithm)).unwrap();
            assert_eq!(read.claims, claims);
            assert!(decode::<Value>(&token, &DecodingKey::from_secret(b"other"), &validation(algorithm)).is_err());
            let mut tampered = token.clone();
            tampered.insert(tampered.find('.').unwrap() + 2, 'x');
            assert!(decode::<Value>(&tampered, &DecodingKey::from_secret(b"secret"), &validation(algorithm)).is_err());
        }
    }

    #[test]
    fn rs256_tokens_verify_with_the_public_key_as_der_or_jwk_components() {
        install();
        let claims = json!({"sub": "ada"});
        let key = EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).unwrap();
        let token = encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap();
        let pair = ring_signature::RsaKeyPair::from_der(key.as_bytes()).unwrap();
        let public = pair.public();
        let der = DecodingKey::from_rsa_der(public.as_ref());
        assert_eq!(decode::<Value>(&token, &der, &validation(Algorithm::RS256)).unwrap().claims, claims);
        let components: ring_signature::RsaPublicKeyComponents<Vec<u8>> = public.into();
        let jwk = DecodingKey::from_rsa_raw_components(&components.n, &components.e);
        assert_eq!(decode::<Value>(&token, &jwk, &validation(Algorithm::RS256)).unwrap().claims, claims);
        let (body, signed) = token.rsplit_once('.').unwrap();
        let forged = format!("{body}.{}", signed.chars().rev().collect::<String>());
        assert!(decode::<Value>(&forged, &jwk, &validation(Algorithm::RS256)).is_err());
        // An HMAC key is not an RSA key, and other algorithms are not provided.
        assert!(decode::<Value>(&token, &DecodingKey::from_secret(b"secret"), &validation(Algorithm::RS256)).is_err());
        assert!(encode(&Header::new(Algorithm::ES256), &claims, &key).is_err());
    }
}
