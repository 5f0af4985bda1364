//! Evidence with what travels beside it.
//!
//! SGX/TDX quotes, SNP reports and Nitro documents are the TEE's own bytes
//! (raw, hex or base64). An attester that also has collateral, a
//! certificate chain or measurement logs sends a JSON envelope instead:
//!
//! ```text
//! {"evidence": "<base64>", "collateral": { Intel collateral JSON },
//!  "cert_chain": "<PEM>", "event_log": "<base64>", "ima_log": "<base64>",
//!  "cert_table": "<base64>"}
//! ```
//!
//! `cert_table` is an SEV-SNP extended report's certificate table (the
//! `auxblob` of configfs-tsm); its certificates join `cert_chain`.
//!
//! Everything in it is as untrusted as the evidence: collateral and
//! certificates are still checked against the configured roots.

use crate::collateral::IntelCollateral;
use crate::encoding::{b64_decode, decode_evidence};
use crate::verifier::{TeeKind, VerifyError};
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The TEE's own report bytes.
    pub evidence: Vec<u8>,
    pub collateral: Option<IntelCollateral>,
    /// DER certificates, in the order given.
    pub cert_chain: Vec<Vec<u8>>,
    /// A TCG2 crypto-agile event log (UEFI / CCEL).
    pub event_log: Option<Vec<u8>>,
    /// A binary `ima-ng` measurement list.
    pub ima_log: Option<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    evidence: String,
    #[serde(default)]
    collateral: Option<serde_json::Value>,
    #[serde(default)]
    cert_chain: Option<String>,
    #[serde(default)]
    event_log: Option<String>,
    #[serde(default)]
    ima_log: Option<String>,
    #[serde(default)]
    cert_table: Option<String>,
}

/// DER certificates as PEM text.
pub fn pem(ders: &[Vec<u8>]) -> String {
    use base64::Engine as _;
    ders.iter()
        .map(|der| {
            let body = base64::engine::general_purpose::STANDARD.encode(der);
            let lines: Vec<&str> = body
                .as_bytes()
                .chunks(64)
                .filter_map(|c| std::str::from_utf8(c).ok())
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

/// DER certificates from PEM text, or one DER certificate.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let mut certs = Vec::new();
            for pem in x509_parser::pem::Pem::iter_from_buffer(text.as_bytes()) {
                let pem = pem.map_err(|e| format!("PEM: {e}"))?;
                if pem.label == "CERTIFICATE" {
                    certs.push(pem.contents);
                }
            }
            if certs.is_empty() {
                return Err("no PEM certificate found".into());
            }
            Ok(certs)
        }
        _ => {
            x509_parser::parse_x509_certificate(bytes)
                .map_err(|e| format!("DER certificate: {e}"))?;
            Ok(vec![bytes.to_vec()])
        }
    }
}

impl Envelope {
    pub fn parse(tee: TeeKind, bytes: &[u8]) -> Result<Self, VerifyError> {
        let bad = |m: String| VerifyError::malformed(tee, m);
        let trimmed = bytes.trim_ascii();
        if trimmed.first() != Some(&b'{') {
            return Ok(Self {
                evidence: decode_evidence(bytes),
                ..Self::default()
            });
        }
        let wire: Wire =
            serde_json::from_slice(trimmed).map_err(|e| bad(format!("evidence envelope: {e}")))?;
        let b64 = |field: &str, text: &str| {
            b64_decode(text.trim()).map_err(|e| bad(format!("envelope `{field}`: {e}")))
        };
        let collateral = wire
            .collateral
            .map(|v| {
                serde_json::to_vec(&v)
                    .map_err(|e| bad(e.to_string()))
                    .and_then(|b| IntelCollateral::from_json(&b).map_err(|e| bad(e.to_string())))
            })
            .transpose()?;
        let mut cert_chain = match wire.cert_chain {
            Some(pem) => {
                certificates(pem.as_bytes()).map_err(|e| bad(format!("cert_chain: {e}")))?
            }
            None => Vec::new(),
        };
        if let Some(table) = &wire.cert_table {
            let table = b64("cert_table", table)?;
            cert_chain.extend(
                crate::cert_table::certificate_table(&table)
                    .map_err(|e| bad(format!("cert_table: {e}")))?,
            );
        }
        Ok(Self {
            evidence: b64("evidence", &wire.evidence)?,
            collateral,
            cert_chain,
            event_log: wire.event_log.map(|t| b64("event_log", &t)).transpose()?,
            ima_log: wire.ima_log.map(|t| b64("ima_log", &t)).transpose()?,
        })
    }

    /// For TEEs whose own evidence may be JSON (virtCCA's wrapper, iTrustee
    /// reports): an envelope only when the object has an `evidence` field;
    /// anything else is the TEE's own bytes, untouched.
    pub fn parse_or_raw(tee: TeeKind, bytes: &[u8]) -> Result<Self, VerifyError> {
        let trimmed = bytes.trim_ascii();
        let is_envelope = trimmed.first() == Some(&b'{')
            && serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(trimmed)
                .is_ok_and(|o| o.contains_key("evidence"));
        if is_envelope {
            Self::parse(tee, bytes)
        } else {
            Ok(Self {
                evidence: bytes.to_vec(),
                ..Self::default()
            })
        }
    }

    /// The JSON form [`parse`](Self::parse) reads.
    pub fn to_json(&self) -> serde_json::Value {
        use base64::Engine as _;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let mut doc = serde_json::json!({ "evidence": b64(&self.evidence) });
        if let Some(c) = &self.collateral {
            doc["collateral"] = serde_json::to_value(c).unwrap_or_default();
        }
        if !self.cert_chain.is_empty() {
            doc["cert_chain"] = pem(&self.cert_chain).into();
        }
        if let Some(log) = &self.event_log {
            doc["event_log"] = b64(log).into();
        }
        if let Some(log) = &self.ima_log {
            doc["ima_log"] = b64(log).into();
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_evidence_and_envelopes_round_trip() {
        let raw = Envelope::parse(TeeKind::Sgx, b"0102ff").expect("hex");
        assert_eq!(raw.evidence, vec![1, 2, 0xff]);
        let full = Envelope {
            evidence: vec![9; 40],
            event_log: Some(vec![1, 2, 3]),
            ima_log: Some(vec![4]),
            ..Envelope::default()
        };
        let text = serde_json::to_vec(&full.to_json()).expect("json");
        assert_eq!(Envelope::parse(TeeKind::Tdx, &text).expect("parse"), full);
        for junk in [
            &b"{"[..],
            b"{\"evidence\": 5}",
            b"{\"evidence\":\"!!\"}",
            b"{\"x\":1}",
        ] {
            assert!(matches!(
                Envelope::parse(TeeKind::Snp, junk),
                Err(VerifyError::Malformed { .. })
            ));
        }
    }
}
