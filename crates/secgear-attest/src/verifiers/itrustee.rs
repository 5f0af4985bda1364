//! Huawei iTrustee TA attestation reports (libqca JSON: `report_sign`,
//! `akcert`, `payload`).
//!
//! What is signed is not the JSON text as received but what libqca
//! signed: the base64url (no padding) of cJSON's formatted print of the
//! `payload` object, member order preserved. The same construction covers
//! the AK certificate payload in `sce_no_as`.
//!
//! - `sce_no_as`: the report is signed (PS256) by the AK whose public key is
//!   in the AK certificate; the AK certificate is signed by the device's DRK
//!   key, whose X.509 certificate must chain to the Huawei IT Product CA.
//! - `sce_as_no_daa`: the AK certificate is an X.509 certificate issued by
//!   an attestation service; it must chain to a configured attestation-
//!   service root, and is refused when none is configured.
//! - `sce_as_with_daa` (BN-curve DAA signatures) is not supported: refused
//!   with a clear error.

use crate::crypto::{self, RsaKey};
use crate::encoding::{b64_decode, b64url_decode, b64url_encode};
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use serde_json::{Map, Value};

const PS256: i64 = -37;

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::malformed(TeeKind::Itrustee, m)
}

pub struct ItrusteeVerifier;

/// cJSON's formatted print: tab indentation, `"key":\tvalue`, members
/// joined by `,\n`, arrays as `[a, b]`.
pub fn cjson_print(value: &Value) -> String {
    let mut out = String::new();
    print(value, 1, &mut out);
    out
}

fn print(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push_str("{\n");
            let n = map.len();
            for (i, (k, v)) in map.iter().enumerate() {
                out.push_str(&"\t".repeat(depth));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(":\t");
                print(v, depth + 1, out);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(&"\t".repeat(depth - 1));
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print(v, depth + 1, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The bytes libqca signs for a JSON object.
fn signed_bytes(payload: &Value) -> Vec<u8> {
    b64url_encode(cjson_print(payload).as_bytes()).into_bytes()
}

fn text<'a>(obj: &'a Value, key: &str) -> Result<&'a str, VerifyError> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("`{key}` is missing or not a string")))
}

fn rsa_from_jwk(jwk: &Value) -> Result<RsaKey, VerifyError> {
    if text(jwk, "kty")? != "RSA" {
        return Err(bad("the AK public key is not an RSA JWK"));
    }
    let n = b64url_decode(text(jwk, "n")?).map_err(|_| bad("AK modulus is not base64url"))?;
    let e = b64url_decode(text(jwk, "e")?).map_err(|_| bad("AK exponent is not base64url"))?;
    Ok(RsaKey { n, e })
}

/// A certificate given as base64url of base64 DER (libqca's DRK format),
/// base64url of PEM, or plain base64 DER.
fn certificate(encoded: &str) -> Result<Vec<u8>, VerifyError> {
    let outer = b64url_decode(encoded).map_err(|_| bad("certificate is not base64url"))?;
    let text = String::from_utf8_lossy(&outer);
    let text = text.trim_end_matches('\0').trim();
    if text.contains("-----BEGIN") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(text.as_bytes())
            .map_err(|e| bad(format!("certificate PEM: {e}")))?;
        return Ok(pem.contents);
    }
    if outer.first() == Some(&0x30) {
        return Ok(outer);
    }
    b64_decode(text).map_err(|_| bad("certificate is neither DER, PEM nor base64 DER"))
}

fn cert_rsa_key(der: &[u8]) -> Result<RsaKey, VerifyError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| bad(format!("certificate: {e}")))?;
    RsaKey::from_spki(cert.public_key().raw).map_err(|e| bad(format!("certificate key: {e}")))
}

impl Verifier for ItrusteeVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Itrustee
    }

    fn verify(
        &self,
        bytes: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let anchors = context.anchors;
        let envelope = crate::envelope::Envelope::parse_or_raw(TeeKind::Itrustee, bytes)?;
        let report: Value = serde_json::from_slice(envelope.evidence.trim_ascii())
            .map_err(|e| bad(format!("report JSON: {e}")))?;
        let payload = report
            .get("payload")
            .filter(|p| p.is_object())
            .ok_or_else(|| bad("no `payload` object"))?;
        let scenario = text(payload, "scenario")?;
        let signature = b64url_decode(text(
            report
                .get("report_sign")
                .ok_or_else(|| bad("no `report_sign`"))?,
            scenario,
        )?)
        .map_err(|_| bad("report signature is not base64url"))?;
        let akcert = report
            .get("akcert")
            .and_then(|a| a.get(scenario))
            .ok_or_else(|| bad("no `akcert` for the scenario"))?;
        let nonce =
            b64url_decode(text(payload, "nonce")?).map_err(|_| bad("nonce is not base64url"))?;
        if nonce.len() > 64 {
            return Err(bad("nonce longer than 64 bytes"));
        }
        let decode_hash = |key: &str| -> Result<String, VerifyError> {
            let raw = b64url_decode(text(payload, key)?)
                .map_err(|_| bad(format!("`{key}` is not base64url")))?;
            Ok(hex::encode(raw))
        };
        let mut claims = Map::new();
        claims.insert("uuid".into(), text(payload, "uuid")?.into());
        claims.insert("ta_img".into(), decode_hash("ta_img")?.into());
        claims.insert("ta_mem".into(), decode_hash("ta_mem")?.into());
        claims.insert("nonce".into(), hex::encode(&nonce).into());
        claims.insert("version".into(), text(payload, "version")?.into());
        claims.insert("scenario".into(), scenario.into());
        claims.insert("hash_alg".into(), text(payload, "hash_alg")?.into());
        claims.insert("sign_alg".into(), text(payload, "sign_alg")?.into());

        let mut v = Verified::new(TeeKind::Itrustee);
        let now = context.now;
        let report_bytes = signed_bytes(payload);
        // Each scenario names the AK key and says whether it is endorsed;
        // the report signature is then checked the same way for both.
        let (ak_key, endorsement) = match scenario {
            "sce_no_as" => {
                let ak_payload = akcert
                    .get("payload")
                    .ok_or_else(|| bad("AK certificate has no payload"))?;
                let ak_key =
                    rsa_from_jwk(ak_payload.get("ak_pub").ok_or_else(|| bad("no `ak_pub`"))?)?;
                let sig = akcert
                    .get("signature")
                    .ok_or_else(|| bad("AK certificate has no signature"))?;
                let drk_der = certificate(text(sig, "drk_cert")?)?;
                let drk_sign = b64url_decode(text(sig, "drk_sign")?)
                    .map_err(|_| bad("DRK signature is not base64url"))?;
                let drk_key = cert_rsa_key(&drk_der)?;
                let ak_signed =
                    crypto::verify_rsa(&drk_key, PS256, &signed_bytes(ak_payload), &drk_sign);
                let endorsement = match (
                    ak_signed,
                    crypto::verify_chain(&drk_der, &[], &anchors.itrustee, now),
                ) {
                    (Ok(()), Ok(())) => Check::Ok,
                    (Err(_), _) => {
                        Check::Failed("the AK certificate is not signed by the DRK key".into())
                    }
                    (Ok(()), Err(e)) => Check::Failed(format!("DRK certificate: {e}")),
                };
                (ak_key, endorsement)
            }
            "sce_as_no_daa" => {
                // The AK certificate comes from an attestation service (TAS):
                // an X.509 certificate, or (from simulators) a JSON AK cert.
                let encoded = akcert
                    .as_str()
                    .ok_or_else(|| bad("the AK certificate is not a string"))?;
                let decoded =
                    b64url_decode(encoded).map_err(|_| bad("AK certificate is not base64url"))?;
                let (ak_key, ak_der) = match serde_json::from_slice::<Value>(&decoded) {
                    Ok(json_cert) => {
                        let ak_pub = json_cert
                            .get("payload")
                            .and_then(|p| p.get("ak_pub"))
                            .ok_or_else(|| bad("no `ak_pub`"))?;
                        (rsa_from_jwk(ak_pub)?, None)
                    }
                    Err(_) => {
                        let der = certificate(encoded)?;
                        (cert_rsa_key(&der)?, Some(der))
                    }
                };
                let endorsement = match (anchors.itrustee_as.is_empty(), ak_der) {
                    (true, _) => Check::Failed("no attestation-service root is configured for sce_as_no_daa".into()),
                    (false, None) => {
                        Check::Failed("the AK certificate is not an X.509 certificate from an attestation service".into())
                    }
                    (false, Some(der)) => match crypto::verify_chain(&der, &[], &anchors.itrustee_as, now) {
                        Ok(()) => Check::Ok,
                        Err(e) => Check::Failed(format!("AK certificate: {e}")),
                    },
                };
                (ak_key, endorsement)
            }
            "sce_as_with_daa" => {
                return Err(bad("the DAA scenario (sce_as_with_daa) is not supported"));
            }
            other => return Err(bad(format!("unknown scenario `{other}`"))),
        };
        v.check(
            CheckName::Signature,
            Check::from_result(crypto::verify_rsa(
                &ak_key,
                PS256,
                &report_bytes,
                &signature,
            )),
        );
        v.check(CheckName::Endorsement, endorsement);
        match &envelope.ima_log {
            None => v.check(CheckName::Freshness, freshness.check(&nonce)),
            Some(log) => {
                // As the original binds it: the nonce's first half is the
                // challenge, its second half SHA-256 of the IMA log.
                let (challenge, bound) = nonce.split_at(nonce.len().min(32));
                v.check(CheckName::Freshness, freshness.check(challenge));
                let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, log);
                let uuid = claims
                    .get("uuid")
                    .and_then(|u| u.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let (check, ima_claims) = if bound != digest.as_ref() {
                    (
                        Check::Failed(format!(
                            "the report binds IMA log {}, this log is {}",
                            hex::encode(bound),
                            hex::encode(digest.as_ref())
                        )),
                        None,
                    )
                } else {
                    // iTrustee reports no register: the binding is the log's hash.
                    super::logs::check_ima(
                        log,
                        crate::ima::Binding::Hash,
                        context.ima_allow_list(&uuid),
                    )
                };
                v.check(CheckName::Ima, check);
                if let Some(i) = ima_claims {
                    claims.insert("ima".into(), i);
                }
            }
        }
        v.claims = claims;
        Ok(v)
    }
}
