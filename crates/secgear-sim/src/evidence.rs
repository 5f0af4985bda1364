//! Simulated attestation evidence: a COSE_Sign1 (RFC 9052, tag 18), signed
//! ES384 by the simulated platform key, over a CBOR map of claims.
//!
//! Protected header: `alg` = ES384 (-35), `kid` = the platform id (32 bytes).
//! Payload: a CBOR map with text keys, all present, no others:
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `"profile"` | text | `"tag:secgear-rs,2026:sim-evidence/v1"` |
//! | `"tee"` | text | `"sim"` — simulated, never hardware-backed |
//! | `"measurement"` | bstr .size 32 | enclave measurement, computed by the loader |
//! | `"signer_id"` | bstr .size 32 | SHA-256 of the signing public key (SEC1 uncompressed) |
//! | `"product_id"` | uint (16-bit) | from the signed configuration |
//! | `"svn"` | uint (16-bit) | security version, from the signed configuration |
//! | `"debug"` | bool | the enclave runs in debug mode |
//! | `"report_data"` | bstr .size 64 | chosen by the enclave (e.g. a nonce hash) |
//! | `"platform_id"` | bstr .size 32 | SHA-256 of the platform public key (SEC1 uncompressed) |
//! | `"iat"` | uint | issue time, seconds since the Unix epoch |
//!
//! The signature is the raw `r || s` (96 bytes) over the COSE `Sig_structure`
//! with empty external AAD.

use ciborium::Value;
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use p384::ecdsa::signature::{Signer, Verifier};
use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

pub const PROFILE: &str = "tag:secgear-rs,2026:sim-evidence/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
    pub product_id: u16,
    pub svn: u16,
    pub debug: bool,
    pub report_data: [u8; 64],
    pub platform_id: [u8; 32],
    pub issued_at: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EvidenceError {
    #[error("not a tagged COSE_Sign1: {0}")]
    Cose(String),
    #[error("unexpected algorithm: only ES384 is accepted")]
    Algorithm,
    #[error("evidence has no payload")]
    NoPayload,
    #[error("claims are malformed: {0}")]
    Claims(String),
    #[error("signature does not verify with the given platform key")]
    Signature,
}

/// The platform id of a platform public key.
pub fn platform_id(key: &VerifyingKey) -> [u8; 32] {
    Sha256::digest(key.to_sec1_bytes()).into()
}

fn claims_value(c: &Claims) -> Value {
    let t = |s: &str| Value::Text(s.to_string());
    Value::Map(vec![
        (t("profile"), t(PROFILE)),
        (t("tee"), t("sim")),
        (t("measurement"), Value::Bytes(c.measurement.to_vec())),
        (t("signer_id"), Value::Bytes(c.signer_id.to_vec())),
        (t("product_id"), Value::Integer(c.product_id.into())),
        (t("svn"), Value::Integer(c.svn.into())),
        (t("debug"), Value::Bool(c.debug)),
        (t("report_data"), Value::Bytes(c.report_data.to_vec())),
        (t("platform_id"), Value::Bytes(c.platform_id.to_vec())),
        (t("iat"), Value::Integer(c.issued_at.into())),
    ])
}

/// Signs claims into evidence bytes.
pub fn sign(claims: &Claims, key: &SigningKey) -> Vec<u8> {
    let mut payload = Vec::new();
    // Writing a Value into a Vec cannot fail.
    let _ = ciborium::into_writer(&claims_value(claims), &mut payload);
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES384)
        .key_id(claims.platform_id.to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(&[], |tbs| {
            let sig: Signature = key.sign(tbs);
            sig.to_bytes().to_vec()
        })
        .build();
    sign1.to_tagged_vec().unwrap_or_default()
}

/// Parsed but not yet verified evidence.
#[derive(Debug, Clone)]
pub struct Parsed {
    sign1: CoseSign1,
    pub claims: Claims,
}

impl Parsed {
    /// Checks the signature with the platform's public key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), EvidenceError> {
        self.sign1.verify_signature(&[], |sig, tbs| {
            let sig = Signature::from_slice(sig).map_err(|_| EvidenceError::Signature)?;
            key.verify(tbs, &sig).map_err(|_| EvidenceError::Signature)
        })
    }

    /// The COSE `Sig_structure` bytes and the signature, for verifiers that
    /// check ES384 with another crypto backend.
    pub fn signed_parts(&self) -> (Vec<u8>, &[u8]) {
        (self.sign1.tbs_data(&[]), &self.sign1.signature)
    }

    /// The key id in the protected header.
    pub fn key_id(&self) -> &[u8] {
        &self.sign1.protected.header.key_id
    }
}

/// Decodes evidence strictly; verify it with [`Parsed::verify`].
pub fn parse(bytes: &[u8]) -> Result<Parsed, EvidenceError> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| EvidenceError::Cose(format!("{e:?}")))?;
    if sign1.protected.header.alg
        != Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::ES384,
        ))
    {
        return Err(EvidenceError::Algorithm);
    }
    let payload = sign1.payload.as_deref().ok_or(EvidenceError::NoPayload)?;
    let claims = parse_claims(payload)?;
    Ok(Parsed { sign1, claims })
}

fn parse_claims(payload: &[u8]) -> Result<Claims, EvidenceError> {
    let bad = |m: &str| EvidenceError::Claims(m.to_string());
    let value: Value =
        ciborium::from_reader(payload).map_err(|e| EvidenceError::Claims(e.to_string()))?;
    let Value::Map(entries) = value else {
        return Err(bad("payload is not a map"));
    };
    if entries.len() != 10 {
        return Err(bad("expected exactly 10 claims"));
    }
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
            .map(|(_, v)| v)
            .ok_or_else(|| EvidenceError::Claims(format!("missing `{key}`")))
    };
    let text = |key: &str| match get(key)? {
        Value::Text(t) => Ok(t.clone()),
        _ => Err(EvidenceError::Claims(format!("`{key}` is not text"))),
    };
    fn fixed<const N: usize>(v: &Value, key: &str) -> Result<[u8; N], EvidenceError> {
        match v {
            Value::Bytes(b) => b
                .as_slice()
                .try_into()
                .map_err(|_| EvidenceError::Claims(format!("`{key}` must be {N} bytes"))),
            _ => Err(EvidenceError::Claims(format!(
                "`{key}` is not a byte string"
            ))),
        }
    }
    let uint = |key: &str, max: u64| match get(key)? {
        Value::Integer(i) => u64::try_from(*i)
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| EvidenceError::Claims(format!("`{key}` out of range"))),
        _ => Err(EvidenceError::Claims(format!("`{key}` is not an integer"))),
    };
    if text("profile")? != PROFILE {
        return Err(bad("unknown profile"));
    }
    if text("tee")? != "sim" {
        return Err(bad("`tee` is not \"sim\""));
    }
    let debug = match get("debug")? {
        Value::Bool(b) => *b,
        _ => return Err(bad("`debug` is not a bool")),
    };
    Ok(Claims {
        measurement: fixed(get("measurement")?, "measurement")?,
        signer_id: fixed(get("signer_id")?, "signer_id")?,
        product_id: uint("product_id", u16::MAX.into())? as u16,
        svn: uint("svn", u16::MAX.into())? as u16,
        debug,
        report_data: fixed(get("report_data")?, "report_data")?,
        platform_id: fixed(get("platform_id")?, "platform_id")?,
        issued_at: uint("iat", u64::MAX)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 48]).expect("key")
    }

    fn claims() -> Claims {
        Claims {
            measurement: [1; 32],
            signer_id: [2; 32],
            product_id: 3,
            svn: 4,
            debug: true,
            report_data: [5; 64],
            platform_id: platform_id(key().verifying_key()),
            issued_at: 1_700_000_000,
        }
    }

    #[test]
    fn round_trip_and_verify() {
        let k = key();
        let ev = sign(&claims(), &k);
        let parsed = parse(&ev).expect("parse");
        assert_eq!(parsed.claims, claims());
        assert_eq!(parsed.key_id(), claims().platform_id);
        parsed.verify(k.verifying_key()).expect("verify");
        let other = SigningKey::from_slice(&[9u8; 48]).expect("key");
        assert_eq!(
            parsed.verify(other.verifying_key()),
            Err(EvidenceError::Signature)
        );
    }

    #[test]
    fn every_byte_flip_is_caught() {
        let k = key();
        let ev = sign(&claims(), &k);
        for i in 0..ev.len() {
            let mut bad = ev.clone();
            bad[i] ^= 0x01;
            let ok = parse(&bad).and_then(|p| p.verify(k.verifying_key()).map(|()| p.claims));
            assert!(
                ok.is_err() || ok == Ok(claims()),
                "flip at {i} produced different accepted claims"
            );
            assert!(ok.is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn truncations_are_errors() {
        let ev = sign(&claims(), &key());
        for len in 0..ev.len() {
            assert!(
                parse(&ev[..len])
                    .and_then(|p| p.verify(key().verifying_key()))
                    .is_err()
            );
        }
    }
}
