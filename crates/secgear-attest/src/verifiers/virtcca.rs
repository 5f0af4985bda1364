//! Huawei virtCCA confidential-VM tokens.
//!
//! Evidence is the CBOR token (tag 399: CVM token at 44241, optional
//! platform token at 44234), or a JSON wrapper that also carries the
//! device's AIK certificate: `{"token": "<base64|hex>", "device_certificate":
//! "<base64 DER | PEM>"}`.
//!
//! Checks, each reported separately:
//! - `device_certificate`: the AIK certificate chains to the configured
//!   Huawei roots (signature, issuer name, validity);
//! - `signature`: the CVM token verifies with the key it carries (44237);
//! - `endorsement`: the device vouches for that key — only possible with a
//!   platform token signed by the AIK whose challenge is the hash of the CVM
//!   key. Without one the verdict says the CVM key is NOT endorsed (the
//!   original accepted such tokens silently);
//! - `freshness`: the CVM challenge.

use super::cose::{self, ClaimMap};
use crate::crypto::{self, Curve, EcKey, RsaKey};
use crate::encoding::{b64_decode, decode_evidence};
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use ciborium::Value;
use serde_json::{Map, Value as Json};

const CVM: i64 = 44241;
const PLATFORM: i64 = 44234;

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::malformed(TeeKind::Virtcca, m)
}

pub struct VirtccaVerifier;

/// The CVM token's own key.
enum CvmKey {
    Rsa(RsaKey),
    Ec(EcKey),
}

impl CvmKey {
    fn parse(raw: &[u8]) -> Result<Self, VerifyError> {
        if raw.len() == 133 && raw.first() == Some(&4) {
            return Ok(CvmKey::Ec(EcKey {
                curve: Curve::P521,
                point: raw.to_vec(),
            }));
        }
        RsaKey::from_spki(raw)
            .map(CvmKey::Rsa)
            .map_err(|e| bad(format!("CVM public key: {e}")))
    }

    fn verify(&self, alg: i64, message: &[u8], sig: &[u8]) -> Result<(), crypto::CryptoError> {
        match self {
            CvmKey::Rsa(k) => crypto::verify_rsa(k, alg, message, sig),
            CvmKey::Ec(k) => crypto::verify_ecdsa(k, alg, message, sig),
        }
    }
}

/// Splits the input into the token and an optional device certificate (DER).
fn split_input(bytes: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), VerifyError> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.first() != Some(&b'{') {
        return Ok((decode_evidence(bytes), None));
    }
    let doc: Json =
        serde_json::from_slice(trimmed).map_err(|e| bad(format!("evidence JSON: {e}")))?;
    let token = doc
        .get("token")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("evidence JSON has no `token`"))?;
    let cert = match doc.get("device_certificate").and_then(Json::as_str) {
        None => None,
        Some(pem) if pem.contains("-----BEGIN") => {
            let parsed = x509_parser::pem::parse_x509_pem(pem.as_bytes())
                .map_err(|e| bad(format!("device certificate PEM: {e}")))?;
            Some(parsed.1.contents)
        }
        Some(b64) => Some(b64_decode(b64).map_err(|_| bad("device certificate is not base64"))?),
    };
    Ok((decode_evidence(token.as_bytes()), cert))
}

/// The CVM payload is wrapped in one more byte string than COSE requires.
fn cvm_claims(payload: &[u8]) -> Result<ClaimMap, VerifyError> {
    let value: Value =
        ciborium::from_reader(payload).map_err(|e| bad(format!("CVM claims: {e}")))?;
    let value = match value {
        Value::Bytes(inner) => {
            ciborium::from_reader(inner.as_slice()).map_err(|e| bad(format!("CVM claims: {e}")))?
        }
        other => other,
    };
    ClaimMap::from_value(value, TeeKind::Virtcca, "CVM")
}

impl Verifier for VirtccaVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Virtcca
    }

    fn verify(
        &self,
        bytes: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let anchors = context.anchors;
        let envelope = crate::envelope::Envelope::parse_or_raw(TeeKind::Virtcca, bytes)?;
        let (token, device_cert) = split_input(&envelope.evidence)?;
        let value: Value =
            ciborium::from_reader(token.as_slice()).map_err(|e| bad(format!("not CBOR: {e}")))?;
        let Value::Tag(399, inner) = value else {
            return Err(bad("not a CBOR tag 399 token"));
        };
        let Value::Map(entries) = *inner else {
            return Err(bad("the token is not a map"));
        };
        let mut cvm_bytes = None;
        let mut platform_bytes = None;
        for (k, v) in entries {
            match (k, v) {
                (Value::Integer(i), Value::Bytes(b)) if i128::from(i) == i128::from(CVM) => {
                    cvm_bytes = Some(b)
                }
                (Value::Integer(i), Value::Bytes(b)) if i128::from(i) == i128::from(PLATFORM) => {
                    platform_bytes = Some(b)
                }
                _ => return Err(bad("unknown entry in the token")),
            }
        }
        let cvm = cose::sign1(
            &cvm_bytes.ok_or_else(|| bad("no CVM token (44241)"))?,
            TeeKind::Virtcca,
            "CVM token",
        )?;
        let c = cvm_claims(
            cvm.payload
                .as_deref()
                .ok_or_else(|| bad("CVM token has no payload"))?,
        )?;
        let challenge = c.bytes_len(10, "challenge", &[64])?;
        let pub_key_raw = c.bytes(44237, "public key")?;
        let key = CvmKey::parse(&pub_key_raw)?;
        let pub_key_hash_algorithm = c.text(44240, "public key hash algorithm")?;
        let rem_bytes = c
            .array(44239, "REM")?
            .iter()
            .map(|v| match v {
                Value::Bytes(b) if [32, 48, 64].contains(&b.len()) => Ok(b.clone()),
                _ => Err(bad("a REM is not a 32/48/64-byte string")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rem: Vec<Json> = rem_bytes
            .iter()
            .map(|b| Json::String(hex::encode(b)))
            .collect();
        if rem.len() != 4 {
            return Err(bad("there must be exactly 4 REMs"));
        }
        let mut claims = Map::new();
        claims.insert("challenge".into(), hex::encode(&challenge).into());
        claims.insert(
            "rpv".into(),
            hex::encode(c.bytes_len(44235, "RPV", &[64])?).into(),
        );
        claims.insert(
            "rim".into(),
            hex::encode(c.bytes_len(44238, "RIM", &[32, 48, 64])?).into(),
        );
        claims.insert("rem".into(), Json::Array(rem));
        claims.insert(
            "hash_algorithm".into(),
            c.text(44236, "hash algorithm")?.into(),
        );
        claims.insert(
            "pub_key_hash_algorithm".into(),
            pub_key_hash_algorithm.clone().into(),
        );

        let mut v = Verified::new(TeeKind::Virtcca);
        let alg = cose::algorithm(&cvm).unwrap_or_default();
        v.check(
            CheckName::Signature,
            Check::from_result(key.verify(alg, &cvm.tbs_data(&[]), &cvm.signature)),
        );
        let now = context.now;
        let device = match &device_cert {
            None => Check::NotChecked("no device certificate was provided".into()),
            Some(der) => match crypto::verify_chain(der, &[], &anchors.virtcca, now) {
                Ok(()) => Check::Ok,
                Err(e) => Check::Failed(e),
            },
        };
        let device_ok = device.is_ok();
        v.check(CheckName::DeviceCertificate, device);
        let endorsement = match (&platform_bytes, &device_cert) {
            (None, _) => Check::Failed(
                "no platform token: nothing binds the CVM key to the device certificate (not endorsed)".into(),
            ),
            (Some(_), None) => Check::NotChecked("no device certificate to check the platform token with".into()),
            (Some(p), Some(der)) if device_ok => endorse(p, der, &pub_key_raw, &pub_key_hash_algorithm, &mut claims)?,
            (Some(_), Some(_)) => Check::NotChecked("the device certificate did not verify".into()),
        };
        v.check(CheckName::Endorsement, endorsement);
        v.check(CheckName::Freshness, freshness.check(&challenge));
        claims.insert("platform_token".into(), platform_bytes.is_some().into());
        // Measured boot: CCEL index i + 1 is REM i, SHA-256.
        if let Some(log) = &envelope.event_log {
            let boot = rem_bytes.as_slice();
            let (check, boot_claims) =
                super::logs::check_event_log(log, crate::eventlog::DigestAlg::Sha256, boot);
            v.check(CheckName::EventLog, check);
            if let Some(b) = boot_claims {
                claims.insert("event_log".into(), b);
            }
        }
        // IMA: the log's PCR index names the REM it extends; the allow list
        // is the application's (its RIM).
        if let Some(log) = &envelope.ima_log {
            let rim = claims
                .get("rim")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let rem_of = |pcr: u32| rem_bytes.get(pcr as usize).cloned();
            let (check, ima_claims) = super::logs::check_ima(
                log,
                crate::ima::Binding::Registers(&rem_of),
                context.ima_allow_list(&rim),
            );
            v.check(CheckName::Ima, check);
            if let Some(i) = ima_claims {
                claims.insert("ima".into(), i);
            }
        }
        v.claims = claims;
        Ok(v)
    }
}

/// Checks the platform token: signed by the AIK, and its challenge the
/// hash of the CVM key.
fn endorse(
    platform: &[u8],
    device_der: &[u8],
    cvm_key: &[u8],
    hash_alg: &str,
    claims: &mut Map<String, Json>,
) -> Result<Check, VerifyError> {
    let sign1 = cose::sign1(platform, TeeKind::Virtcca, "platform token")?;
    let p = ClaimMap::decode(
        sign1
            .payload
            .as_deref()
            .ok_or_else(|| bad("platform token has no payload"))?,
        TeeKind::Virtcca,
        "platform",
    )?;
    let challenge = p.bytes(10, "platform challenge")?;
    let (_, cert) = x509_parser::parse_x509_certificate(device_der)
        .map_err(|e| bad(format!("device certificate: {e}")))?;
    let spki = cert.public_key().raw;
    let alg = cose::algorithm(&sign1).unwrap_or_default();
    let tbs = sign1.tbs_data(&[]);
    let signed = match RsaKey::from_spki(spki) {
        Ok(rsa) => crypto::verify_rsa(&rsa, alg, &tbs, &sign1.signature),
        Err(_) => {
            let point = cert.public_key().subject_public_key.data.to_vec();
            let curve = match point.len() {
                65 => Curve::P256,
                97 => Curve::P384,
                _ => Curve::P521,
            };
            crypto::verify_ecdsa(&EcKey { curve, point }, alg, &tbs, &sign1.signature)
        }
    };
    claims.insert("platform_challenge".into(), hex::encode(&challenge).into());
    if signed.is_err() {
        return Ok(Check::Failed(
            "the platform token is not signed by the device key".into(),
        ));
    }
    Ok(match cose::digest(hash_alg, cvm_key) {
        Some(h) if h == challenge => Check::Ok,
        Some(_) => Check::Failed("the platform challenge is not the hash of the CVM key".into()),
        None => Check::Failed(format!("unknown public key hash algorithm {hash_alg}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapper_json_carries_the_certificate() {
        let (token, cert) =
            split_input(br#"{"token": "d9018fa0", "device_certificate": "AQID"}"#).expect("split");
        assert_eq!(token, vec![0xd9, 0x01, 0x8f, 0xa0]);
        assert_eq!(cert, Some(vec![1, 2, 3]));
    }
}
