//! Attestation results as signed EAR tokens (IETF RATS EAR, JWT form).
//!
//! One submodule per appraised piece of evidence, keyed by TEE name:
//!
//! ```json
//! {"eat_profile": "tag:github.com,2023:veraison/ear", "iat", "exp", "iss", "jti",
//!  "aud"?, "eat_nonce"?, "ear.verifier-id": {"developer", "build"},
//!  "submods": {"cca": {"ear.status": "affirming", "ear.trustworthiness-vector": {...},
//!     "ear.appraisal-policy-id": "default-cca", "secgear.tee": "cca",
//!     "secgear.simulated": false, "secgear.evidence-sha256": "...",
//!     "secgear.checks": {...}, "secgear.claims": {...}}}}
//! ```
//! Tokens are issued for every appraisal; the status says what happened.
//! [`verify_token`] checks signature, algorithm allow-list, issuer,
//! audience, expiry and nonce, and refuses non-affirming results unless told
//! otherwise.

use crate::encoding::b64url_encode;
use crate::policy::Status;
use crate::verifier::Check;
use jsonwebtoken::jwk::{Jwk, JwkSet, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const EAR_PROFILE: &str = "tag:github.com,2023:veraison/ear";

/// Algorithms tokens may be signed with.
pub const ALLOWED_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::ES256, Algorithm::ES384, Algorithm::PS256];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifierId {
    pub developer: String,
    pub build: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submod {
    #[serde(rename = "ear.status")]
    pub status: Status,
    #[serde(rename = "ear.trustworthiness-vector")]
    pub trust_vector: BTreeMap<String, i64>,
    #[serde(rename = "ear.appraisal-policy-id")]
    pub policy_id: String,
    #[serde(rename = "secgear.tee")]
    pub tee: String,
    #[serde(rename = "secgear.simulated")]
    pub simulated: bool,
    #[serde(rename = "secgear.evidence-sha256")]
    pub evidence_sha256: String,
    /// Keyed by [`CheckName`](crate::CheckName)'s names, kept as text: a
    /// relying party must still read a token from a newer service that
    /// reports a check it does not know.
    #[serde(rename = "secgear.checks")]
    pub checks: BTreeMap<String, Check>,
    #[serde(rename = "secgear.claims")]
    pub claims: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarClaims {
    pub eat_profile: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eat_nonce: Option<String>,
    #[serde(rename = "ear.verifier-id")]
    pub verifier_id: VerifierId,
    pub submods: BTreeMap<String, Submod>,
    /// The runtime data the evidence was bound to (base64url), e.g. a JSON
    /// object carrying the TEE's public key (`tee-pubkey`) for releasing
    /// secrets encrypted to it.
    #[serde(
        rename = "secgear.runtime-data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub runtime_data: Option<String>,
}

impl EarClaims {
    /// The worst status over all submodules.
    pub fn status(&self) -> Status {
        self.submods
            .values()
            .map(|s| s.status)
            .max()
            .unwrap_or(Status::None)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token key: {0}")]
    Key(String),
    #[error("cannot sign the token: {0}")]
    Sign(String),
    #[error("token refused: {0}")]
    Invalid(String),
    /// Signed with a key the verifier does not have (perhaps a newer one).
    #[error("token refused: unknown key id {0}")]
    UnknownKey(String),
    #[error("the token's result is {0}, not affirming")]
    NotAffirming(&'static str),
}

/// Signs EAR tokens with one key, and publishes its public half.
pub struct TokenSigner {
    key: EncodingKey,
    alg: Algorithm,
    jwk: Jwk,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("TokenSigner")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .finish()
    }
}

impl TokenSigner {
    /// From a PKCS#8 PEM key: EC P-256 (ES256), EC P-384 (ES384) or RSA (PS256).
    pub fn from_pem(pem: &[u8], alg: Algorithm) -> Result<Self, TokenError> {
        let key = match alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            Algorithm::PS256 => EncodingKey::from_rsa_pem(pem),
            other => {
                return Err(TokenError::Key(format!(
                    "{other:?} is not an allowed token algorithm"
                )));
            }
        }
        .map_err(|e| TokenError::Key(e.to_string()))?;
        Self::from_key(key, alg)
    }

    /// From a PKCS#8 PEM key, with the algorithm its type calls for: EC P-256
    /// (ES256), EC P-384 (ES384), anything else as RSA (PS256).
    pub fn from_pkcs8_pem(pem: &[u8]) -> Result<Self, TokenError> {
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
        };
        let der = x509_parser::pem::parse_x509_pem(pem)
            .map(|(_, p)| zeroize::Zeroizing::new(p.contents))
            .map_err(|e| TokenError::Key(format!("not a PEM key: {e}")))?;
        let alg = if EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).is_ok() {
            Algorithm::ES256
        } else if EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &der).is_ok() {
            Algorithm::ES384
        } else {
            Algorithm::PS256
        };
        Self::from_pem(pem, alg)
    }

    /// A fresh key (for tests and single-process use): ES256 or ES384.
    pub fn generate(alg: Algorithm) -> Result<Self, TokenError> {
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
        };
        let curve = match alg {
            Algorithm::ES256 => &ECDSA_P256_SHA256_FIXED_SIGNING,
            Algorithm::ES384 => &ECDSA_P384_SHA384_FIXED_SIGNING,
            other => return Err(TokenError::Key(format!("cannot generate a {other:?} key"))),
        };
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve, &rng)
            .map_err(|e| TokenError::Key(e.to_string()))?;
        Self::from_key(EncodingKey::from_ec_der(pkcs8.as_ref()), alg)
    }

    fn from_key(key: EncodingKey, alg: Algorithm) -> Result<Self, TokenError> {
        let mut jwk =
            Jwk::from_encoding_key(&key, alg).map_err(|e| TokenError::Key(e.to_string()))?;
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| TokenError::Key(e.to_string()))?;
        jwk.common.key_id = Some(kid);
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Ok(Self { key, alg, jwk })
    }

    /// The RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> String {
        self.jwk.common.key_id.clone().unwrap_or_default()
    }

    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public key as a JWK (with `kid`, `alg`, `use`).
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    pub fn sign(&self, claims: &EarClaims) -> Result<String, TokenError> {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid());
        jsonwebtoken::encode(&header, claims, &self.key)
            .map_err(|e| TokenError::Sign(e.to_string()))
    }
}

/// What a relying party requires of a token.
#[derive(Debug, Clone, Default)]
pub struct TokenExpectations {
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The nonce the relying party issued (compared with `eat_nonce`).
    pub nonce: Option<Vec<u8>>,
    /// Accept results that are not affirming (to inspect them).
    pub accept_non_affirming: bool,
}

/// Checks a token against the issuer's keys and the relying party's
/// expectations.
pub fn verify_token(
    token: &str,
    keys: &JwkSet,
    expect: &TokenExpectations,
) -> Result<EarClaims, TokenError> {
    let invalid = |m: String| TokenError::Invalid(m);
    let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(e.to_string()))?;
    if !ALLOWED_ALGORITHMS.contains(&header.alg) {
        return Err(invalid(format!(
            "algorithm {:?} is not allowed",
            header.alg
        )));
    }
    let kid = header
        .kid
        .ok_or_else(|| invalid("no `kid` in the header".into()))?;
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
    if let Some(alg) = jwk.common.key_algorithm
        && format!("{alg:?}") != format!("{:?}", header.alg)
    {
        return Err(invalid(
            "the header algorithm does not match the key's".into(),
        ));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| invalid(e.to_string()))?;
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.leeway = 30;
    validation.set_required_spec_claims(&["exp", "iat", "iss"]);
    match &expect.issuer {
        Some(iss) => validation.set_issuer(&[iss]),
        None => validation.iss = None,
    }
    match &expect.audience {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    let data = jsonwebtoken::decode::<EarClaims>(token, &key, &validation)
        .map_err(|e| invalid(e.to_string()))?;
    let claims = data.claims;
    if claims.eat_profile != EAR_PROFILE {
        return Err(invalid(format!("unknown profile {}", claims.eat_profile)));
    }
    if let Some(nonce) = &expect.nonce
        && claims.eat_nonce.as_deref() != Some(b64url_encode(nonce).as_str())
    {
        return Err(invalid("the token's nonce is not the one issued".into()));
    }
    let status = claims.status();
    if status != Status::Affirming && !expect.accept_non_affirming {
        return Err(TokenError::NotAffirming(status.name()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn pkcs8_pem(der: &[u8]) -> Vec<u8> {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
        .into_bytes()
    }

    #[test]
    fn a_pkcs8_key_signs_with_the_algorithm_of_its_type() {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
        };
        let rng = aws_lc_rs::rand::SystemRandom::new();
        for (curve, alg) in [
            (&ECDSA_P256_SHA256_FIXED_SIGNING, Algorithm::ES256),
            (&ECDSA_P384_SHA384_FIXED_SIGNING, Algorithm::ES384),
        ] {
            let doc = EcdsaKeyPair::generate_pkcs8(curve, &rng).expect("key");
            let signer = TokenSigner::from_pkcs8_pem(&pkcs8_pem(doc.as_ref())).expect("signer");
            assert_eq!(signer.algorithm(), alg);
        }
        // PKCS#8 RSA says "PRIVATE KEY", not "RSA PRIVATE KEY".
        let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa");
        let der: Pkcs8V1Der<'static> = rsa.as_der().expect("der");
        let signer = TokenSigner::from_pkcs8_pem(&pkcs8_pem(der.as_ref())).expect("signer");
        assert_eq!(signer.algorithm(), Algorithm::PS256);
        assert!(TokenSigner::from_pkcs8_pem(b"not a key").is_err());
    }
}
