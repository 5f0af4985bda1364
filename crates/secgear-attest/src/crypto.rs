//! Signature checks over aws-lc-rs, the fastest P-384 implementation
//! measured on this project's machines (see the README's benchmark).

use aws_lc_rs::signature::{
    self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm,
};
use x509_parser::prelude::*;

/// An elliptic curve a verification key lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub fn from_jwk(crv: &str) -> Option<Self> {
        match crv {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// COSE curve identifiers (RFC 9053).
    pub fn from_cose(crv: i128) -> Option<Self> {
        match crv {
            1 => Some(Curve::P256),
            2 => Some(Curve::P384),
            3 => Some(Curve::P521),
            _ => None,
        }
    }

    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

/// An EC public key as an uncompressed SEC1 point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcKey {
    pub curve: Curve,
    pub point: Vec<u8>,
}

impl EcKey {
    /// The certificate's key, which must be an uncompressed point of
    /// `curve`'s size (whether it lies on the curve, verification decides).
    pub fn of_certificate(cert: &X509Certificate<'_>, curve: Curve) -> Result<Self, CryptoError> {
        let point = cert.public_key().subject_public_key.data.to_vec();
        if point.len() != 1 + 2 * curve.coordinate_len() || point.first() != Some(&4) {
            return Err(CryptoError::BadKey(format!(
                "the certificate's key is not an uncompressed {curve:?} point"
            )));
        }
        Ok(Self { curve, point })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("signature does not verify")]
    BadSignature,
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    #[error("malformed key: {0}")]
    BadKey(String),
}

/// COSE/JOSE ECDSA (raw `r || s`), hash chosen by the COSE algorithm.
pub fn verify_ecdsa(
    key: &EcKey,
    cose_alg: i64,
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let alg: &'static dyn VerificationAlgorithm = match (key.curve, cose_alg) {
        (Curve::P256, -7) => &signature::ECDSA_P256_SHA256_FIXED,
        (Curve::P384, -35) => &signature::ECDSA_P384_SHA384_FIXED,
        (Curve::P521, -36) => &signature::ECDSA_P521_SHA512_FIXED,
        (curve, alg) => {
            return Err(CryptoError::Unsupported(format!(
                "COSE alg {alg} with a {curve:?} key"
            )));
        }
    };
    UnparsedPublicKey::new(alg, &key.point)
        .verify(message, sig)
        .map_err(|_| CryptoError::BadSignature)
}

/// An RSA public key as modulus and exponent (big-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

impl RsaKey {
    /// From a DER SubjectPublicKeyInfo.
    pub fn from_spki(der: &[u8]) -> Result<Self, CryptoError> {
        let (_, spki) =
            SubjectPublicKeyInfo::from_der(der).map_err(|e| CryptoError::BadKey(e.to_string()))?;
        match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => Ok(RsaKey {
                n: strip(rsa.modulus).to_vec(),
                e: strip(rsa.exponent).to_vec(),
            }),
            _ => Err(CryptoError::BadKey("not an RSA key".into())),
        }
    }

    pub fn bits(&self) -> usize {
        self.n.len() * 8
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[first..]
}

/// RSA signatures by COSE/JOSE algorithm: PS256/384/512 (-37/-38/-39) and
/// RS256/384/512 (-257/-258/-259).
pub fn verify_rsa(
    key: &RsaKey,
    cose_alg: i64,
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let params: &'static signature::RsaParameters = match cose_alg {
        -37 => &signature::RSA_PSS_2048_8192_SHA256,
        -38 => &signature::RSA_PSS_2048_8192_SHA384,
        -39 => &signature::RSA_PSS_2048_8192_SHA512,
        -257 => &signature::RSA_PKCS1_2048_8192_SHA256,
        -258 => &signature::RSA_PKCS1_2048_8192_SHA384,
        -259 => &signature::RSA_PKCS1_2048_8192_SHA512,
        other => return Err(CryptoError::Unsupported(format!("RSA COSE alg {other}"))),
    };
    RsaPublicKeyComponents {
        n: &key.n,
        e: &key.e,
    }
    .verify(params, message, sig)
    .map_err(|_| CryptoError::BadSignature)
}

/// Checks that `cert` was signed by `issuer`'s key.
pub fn verify_cert_signature(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<(), CryptoError> {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let tbs = cert.tbs_certificate.as_ref();
    let sig = cert.signature_value.data.as_ref();
    let key = issuer.public_key();
    match oid.as_str() {
        // sha{256,384,512}WithRSAEncryption
        "1.2.840.113549.1.1.11" | "1.2.840.113549.1.1.12" | "1.2.840.113549.1.1.13" => {
            let rsa = RsaKey::from_spki(key.raw)?;
            let alg = match oid.as_str() {
                "1.2.840.113549.1.1.11" => -257,
                "1.2.840.113549.1.1.12" => -258,
                _ => -259,
            };
            verify_rsa(&rsa, alg, tbs, sig)
        }
        // RSASSA-PSS with parameters: accept the SHA-256/384/512 variants aws-lc-rs knows.
        "1.2.840.113549.1.1.10" => {
            let rsa = RsaKey::from_spki(key.raw)?;
            [-37, -38, -39]
                .into_iter()
                .find(|alg| verify_rsa(&rsa, *alg, tbs, sig).is_ok())
                .map(|_| ())
                .ok_or(CryptoError::BadSignature)
        }
        // ecdsa-with-SHA256 / SHA384 (DER signatures)
        "1.2.840.10045.4.3.2" | "1.2.840.10045.4.3.3" => {
            let point = key.subject_public_key.data.as_ref();
            let alg: &'static dyn VerificationAlgorithm = match (oid.as_str(), point.len()) {
                ("1.2.840.10045.4.3.2", 65) => &signature::ECDSA_P256_SHA256_ASN1,
                ("1.2.840.10045.4.3.3", 97) => &signature::ECDSA_P384_SHA384_ASN1,
                ("1.2.840.10045.4.3.2", 97) => &signature::ECDSA_P384_SHA256_ASN1,
                ("1.2.840.10045.4.3.3", 65) => &signature::ECDSA_P256_SHA384_ASN1,
                _ => return Err(CryptoError::Unsupported("ECDSA certificate key".into())),
            };
            UnparsedPublicKey::new(alg, point)
                .verify(tbs, sig)
                .map_err(|_| CryptoError::BadSignature)
        }
        other => Err(CryptoError::Unsupported(format!(
            "certificate signature algorithm {other}"
        ))),
    }
}

/// Verifies that `leaf` chains to one of `anchors` (DER certificates),
/// through `intermediates` if needed: each link by issuer name, signature,
/// validity at `now` and, above the leaf, the CA flag.
pub fn verify_chain(
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    anchors: &[Vec<u8>],
    now: i64,
) -> Result<(), String> {
    fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
        X509Certificate::from_der(der)
            .map(|(_, c)| c)
            .map_err(|e| format!("certificate: {e}"))
    }
    let leaf = parse(leaf)?;
    let anchors: Vec<X509Certificate<'_>> = anchors.iter().filter_map(|a| parse(a).ok()).collect();
    let intermediates: Vec<X509Certificate<'_>> =
        intermediates.iter().filter_map(|a| parse(a).ok()).collect();
    if anchors.is_empty() {
        return Err("no trust anchor is configured".into());
    }
    let valid_now = |c: &X509Certificate<'_>| {
        let v = c.validity();
        v.not_before.timestamp() <= now && now <= v.not_after.timestamp()
    };
    let mut current = leaf;
    for _depth in 0..8 {
        if !valid_now(&current) {
            return Err(format!(
                "certificate `{}` is not valid at this time",
                current.subject()
            ));
        }
        if let Some(anchor) = anchors.iter().find(|a| a.subject() == current.issuer())
            && verify_cert_signature(&current, anchor).is_ok()
        {
            return Ok(());
        }
        if anchors
            .iter()
            .any(|a| a.tbs_certificate.as_ref() == current.tbs_certificate.as_ref())
        {
            return Ok(());
        }
        let Some(issuer) = intermediates.iter().find(|i| {
            i.subject() == current.issuer()
                && i.is_ca()
                && verify_cert_signature(&current, i).is_ok()
        }) else {
            return Err(format!(
                "certificate `{}` does not chain to a trust anchor",
                current.subject()
            ));
        };
        current = issuer.clone();
    }
    Err("certificate chain is too long".into())
}
