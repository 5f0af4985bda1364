//! AWS Nitro Enclaves attestation documents: COSE_Sign1 (ES384) over a CBOR
//! map with the enclave's PCRs, its certificate and the CA bundle.
//!
//! Checks:
//! - `signature`: the COSE signature verifies with the document's certificate;
//! - `endorsement`: that certificate chains through the CA bundle to a
//!   configured AWS Nitro root, valid both at the document's own time and at
//!   the appraisal time (a leaf lives hours, so an old document is refused);
//! - `freshness`: the `nonce` field carries the expected challenge.

use crate::crypto::{self, Curve, EcKey};
use crate::envelope::Envelope;
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use ciborium::Value as Cbor;
use coset::{CborSerializable, CoseSign1, TaggedCborSerializable, iana};
use serde_json::{Map, Value};

pub struct NitroVerifier;

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::malformed(TeeKind::Nitro, m)
}

/// The payload's fields by name.
struct Document {
    module_id: String,
    digest: String,
    timestamp_ms: u64,
    pcrs: Vec<(u64, Vec<u8>)>,
    certificate: Vec<u8>,
    cabundle: Vec<Vec<u8>>,
    public_key: Option<Vec<u8>>,
    user_data: Option<Vec<u8>>,
    nonce: Option<Vec<u8>>,
}

fn bytes(v: &Cbor, what: &str) -> Result<Vec<u8>, VerifyError> {
    v.as_bytes()
        .cloned()
        .ok_or_else(|| bad(format!("`{what}` is not a byte string")))
}

fn optional_bytes(v: Option<&Cbor>, what: &str) -> Result<Option<Vec<u8>>, VerifyError> {
    match v {
        None | Some(Cbor::Null) => Ok(None),
        Some(v) => bytes(v, what).map(Some),
    }
}

fn document(payload: &[u8]) -> Result<Document, VerifyError> {
    let map: Cbor = ciborium::from_reader(payload).map_err(|e| bad(format!("payload: {e}")))?;
    let entries = map.as_map().ok_or_else(|| bad("payload is not a map"))?;
    let field = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_text() == Some(name))
            .map(|(_, v)| v)
    };
    let required = |name: &str| field(name).ok_or_else(|| bad(format!("payload has no `{name}`")));
    let text = |name: &str| -> Result<String, VerifyError> {
        required(name)?
            .as_text()
            .map(str::to_owned)
            .ok_or_else(|| bad(format!("`{name}` is not text")))
    };
    let timestamp_ms = required("timestamp")?
        .as_integer()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| bad("`timestamp` is not an unsigned integer"))?;
    let mut pcrs = Vec::new();
    for (k, v) in required("pcrs")?
        .as_map()
        .ok_or_else(|| bad("`pcrs` is not a map"))?
    {
        let index = k
            .as_integer()
            .and_then(|i| u64::try_from(i).ok())
            .filter(|i| *i < 32)
            .ok_or_else(|| bad("a PCR index is not 0–31"))?;
        pcrs.push((index, bytes(v, "pcr")?));
    }
    let cabundle = required("cabundle")?
        .as_array()
        .ok_or_else(|| bad("`cabundle` is not an array"))?
        .iter()
        .map(|c| bytes(c, "cabundle entry"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Document {
        module_id: text("module_id")?,
        digest: text("digest")?,
        timestamp_ms,
        pcrs,
        certificate: bytes(required("certificate")?, "certificate")?,
        cabundle,
        public_key: optional_bytes(field("public_key"), "public_key")?,
        user_data: optional_bytes(field("user_data"), "user_data")?,
        nonce: optional_bytes(field("nonce"), "nonce")?,
    })
}

fn hex_or_null(b: &Option<Vec<u8>>) -> Value {
    b.as_ref().map_or(Value::Null, |b| hex::encode(b).into())
}

impl Verifier for NitroVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Nitro
    }

    fn verify(
        &self,
        evidence: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let envelope = Envelope::parse(TeeKind::Nitro, evidence)?;
        let raw = envelope.evidence.as_slice();
        let sign1 = CoseSign1::from_slice(raw)
            .or_else(|_| CoseSign1::from_tagged_slice(raw))
            .map_err(|e| bad(format!("COSE_Sign1: {e}")))?;
        let payload = sign1.payload.as_deref().ok_or_else(|| bad("no payload"))?;
        let doc = document(payload)?;

        let mut v = Verified::new(TeeKind::Nitro);
        let mut pcrs = Map::new();
        for (index, value) in &doc.pcrs {
            pcrs.insert(index.to_string(), hex::encode(value).into());
        }
        v.claims
            .insert("module_id".into(), doc.module_id.clone().into());
        v.claims.insert("digest".into(), doc.digest.clone().into());
        v.claims.insert("timestamp".into(), doc.timestamp_ms.into());
        v.claims.insert("pcrs".into(), Value::Object(pcrs));
        v.claims
            .insert("user_data".into(), hex_or_null(&doc.user_data));
        v.claims.insert("nonce".into(), hex_or_null(&doc.nonce));
        v.claims
            .insert("public_key".into(), hex_or_null(&doc.public_key));

        let alg_ok = sign1.protected.header.alg
            == Some(coset::RegisteredLabelWithPrivate::Assigned(
                iana::Algorithm::ES384,
            ));
        let cert = x509_parser::parse_x509_certificate(&doc.certificate)
            .map(|(_, c)| c)
            .map_err(|e| bad(format!("certificate: {e}")))?;
        let signature =
            if !alg_ok {
                Check::Failed("the document is not signed with ES384".into())
            } else {
                match EcKey::of_certificate(&cert, Curve::P384) {
                    Err(e) => Check::Failed(e.to_string()),
                    Ok(key) => Check::from_result(sign1.verify_signature(b"", |sig, data| {
                        crypto::verify_ecdsa(&key, -35, data, sig)
                    })),
                }
            };
        v.check(CheckName::Signature, signature);

        // The bundle runs root first; the leaf's issuer is its last entry.
        let intermediates: Vec<Vec<u8>> = doc.cabundle.iter().rev().cloned().collect();
        let anchors = &context.anchors.nitro;
        let doc_time = i64::try_from(doc.timestamp_ms / 1000).unwrap_or(i64::MAX);
        let endorsement = if anchors.is_empty() {
            Check::Failed("no AWS Nitro root is configured as a trust anchor".into())
        } else {
            match crypto::verify_chain(&doc.certificate, &intermediates, anchors, doc_time) {
                Err(e) => Check::Failed(format!("at the document's time: {e}")),
                Ok(()) => Check::from_result(
                    crypto::verify_chain(&doc.certificate, &intermediates, anchors, context.now)
                        .map_err(|e| format!("at the appraisal time: {e}")),
                ),
            }
        };
        v.check(CheckName::Endorsement, endorsement);
        v.check(
            CheckName::Freshness,
            match &doc.nonce {
                Some(nonce) => freshness.check(nonce),
                None if matches!(freshness, Freshness::Unchecked) => freshness.check(&[]),
                None => Check::Failed("the document carries no nonce".into()),
            },
        );
        Ok(v)
    }
}
