//! Collateral: the endorsements a verifier needs beyond the trust anchors.
//!
//! Intel DCAP quotes are judged against TCB info and a QE identity per FMSPC
//! plus the PCK and root CA CRLs; AMD SEV-SNP reports against the VCEK (per
//! chip and TCB) or VLEK certificate that signed them. None of it is fetched
//! silently: the operator stores it (admin API, `secgear as collateral put`)
//! or the evidence carries it, and it is checked against the configured
//! roots either way.

use secgear_types::TeeKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollateralError {
    #[error("Intel collateral JSON: {0}")]
    IntelJson(String),
    #[error("Intel collateral: {0}")]
    Intel(String),
    #[error("AMD certificate: {0}")]
    Amd(String),
}

/// Intel DCAP collateral in the layout of Intel's / dcap-qvl's
/// `QuoteCollateralV3` JSON: issuer chains and JSON bodies as text, CRLs and
/// signatures as hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntelCollateral {
    pub pck_crl_issuer_chain: String,
    #[serde(with = "hex_bytes")]
    pub root_ca_crl: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub pck_crl: Vec<u8>,
    pub tcb_info_issuer_chain: String,
    pub tcb_info: String,
    #[serde(with = "hex_bytes")]
    pub tcb_info_signature: Vec<u8>,
    pub qe_identity_issuer_chain: String,
    pub qe_identity: String,
    #[serde(with = "hex_bytes")]
    pub qe_identity_signature: Vec<u8>,
    /// PEM; when absent the chain in the quote's certification data is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pck_certificate_chain: Option<String>,
}

#[cfg(any(feature = "sgx", feature = "tdx"))]
impl From<&IntelCollateral> for dcap_qvl::QuoteCollateralV3 {
    fn from(c: &IntelCollateral) -> Self {
        Self {
            pck_crl_issuer_chain: c.pck_crl_issuer_chain.clone(),
            root_ca_crl: c.root_ca_crl.clone(),
            pck_crl: c.pck_crl.clone(),
            tcb_info_issuer_chain: c.tcb_info_issuer_chain.clone(),
            tcb_info: c.tcb_info.clone(),
            tcb_info_signature: c.tcb_info_signature.clone(),
            qe_identity_issuer_chain: c.qe_identity_issuer_chain.clone(),
            qe_identity: c.qe_identity.clone(),
            qe_identity_signature: c.qe_identity_signature.clone(),
            pck_certificate_chain: c.pck_certificate_chain.clone(),
        }
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text.trim()).map_err(serde::de::Error::custom)
    }
}

/// The dated, identifying part of a TCB info or QE identity body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatedBody {
    id: String,
    issue_date: String,
    next_update: String,
    #[serde(default)]
    fmspc: Option<String>,
}

fn rfc3339(text: &str, what: &str) -> Result<i64, CollateralError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| CollateralError::Intel(format!("{what} `{text}`: {e}")))
}

/// When a dated piece of collateral may be used: `[issued, next_update)`
/// (as webpki judges CRLs: at `nextUpdate` it is already stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub issued: i64,
    pub next_update: i64,
}

impl Window {
    pub fn contains(self, now: i64) -> bool {
        self.issued <= now && now < self.next_update
    }
}

impl IntelCollateral {
    pub fn from_json(bytes: &[u8]) -> Result<Self, CollateralError> {
        let collateral: Self =
            serde_json::from_slice(bytes).map_err(|e| CollateralError::IntelJson(e.to_string()))?;
        collateral.key()?;
        Ok(collateral)
    }

    fn tcb_body(&self) -> Result<DatedBody, CollateralError> {
        serde_json::from_str(&self.tcb_info)
            .map_err(|e| CollateralError::Intel(format!("tcb_info: {e}")))
    }

    fn qe_body(&self) -> Result<DatedBody, CollateralError> {
        serde_json::from_str(&self.qe_identity)
            .map_err(|e| CollateralError::Intel(format!("qe_identity: {e}")))
    }

    /// The TEE and FMSPC (lowercase hex) this collateral is for, from its TCB info.
    pub fn key(&self) -> Result<IntelKey, CollateralError> {
        let body = self.tcb_body()?;
        let tee = match body.id.as_str() {
            "SGX" => TeeKind::Sgx,
            "TDX" => TeeKind::Tdx,
            other => {
                return Err(CollateralError::Intel(format!(
                    "TCB info for `{other}`, expected SGX or TDX"
                )));
            }
        };
        let fmspc = body
            .fmspc
            .filter(|f| f.len() == 12 && f.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| CollateralError::Intel("TCB info has no 6-byte FMSPC".into()))?;
        Ok(IntelKey {
            tee,
            fmspc: fmspc.to_ascii_lowercase(),
        })
    }

    /// The validity windows of the TCB info, the QE identity and both CRLs,
    /// each named.
    pub fn windows(&self) -> Result<Vec<(&'static str, Window)>, CollateralError> {
        let dated = |body: DatedBody, what: &str| -> Result<Window, CollateralError> {
            Ok(Window {
                issued: rfc3339(&body.issue_date, &format!("{what} issueDate"))?,
                next_update: rfc3339(&body.next_update, &format!("{what} nextUpdate"))?,
            })
        };
        let crl = |der: &[u8], what: &str| -> Result<Window, CollateralError> {
            use x509_parser::prelude::FromDer;
            let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
                .map_err(|e| CollateralError::Intel(format!("{what}: {e}")))?;
            let next = crl
                .next_update()
                .ok_or_else(|| CollateralError::Intel(format!("{what} has no nextUpdate")))?;
            Ok(Window {
                issued: crl.last_update().timestamp(),
                next_update: next.timestamp(),
            })
        };
        Ok(vec![
            ("TCB info", dated(self.tcb_body()?, "TCB info")?),
            ("QE identity", dated(self.qe_body()?, "QE identity")?),
            ("root CA CRL", crl(&self.root_ca_crl, "root CA CRL")?),
            ("PCK CRL", crl(&self.pck_crl, "PCK CRL")?),
        ])
    }

    /// The earliest `nextUpdate` of its parts: when a cache must refresh it.
    pub fn next_update(&self) -> Result<i64, CollateralError> {
        Ok(self
            .windows()?
            .iter()
            .map(|(_, w)| w.next_update)
            .min()
            .unwrap_or(i64::MIN))
    }

    /// Checks every part is current at `now`; names the first that is not.
    pub fn check_current(&self, now: i64) -> Result<(), String> {
        let windows = self.windows().map_err(|e| e.to_string())?;
        for (what, window) in windows {
            if now < window.issued {
                return Err(format!(
                    "{what} is not yet valid (issued {})",
                    iso(window.issued)
                ));
            }
            if now >= window.next_update {
                return Err(format!(
                    "{what} expired at {} (appraised at {})",
                    iso(window.next_update),
                    iso(now)
                ));
            }
        }
        Ok(())
    }
}

/// RFC 3339, as Intel's collateral writes its dates (the number if out of range).
pub(crate) fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Which Intel collateral: per TEE (SGX or TDX TCB info) and FMSPC.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct IntelKey {
    pub tee: TeeKind,
    /// Lowercase hex.
    pub fmspc: String,
}

impl std::fmt::Display for IntelKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.tee, self.fmspc)
    }
}

/// One stored piece of collateral, as the service persists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollateralItem {
    Intel(Box<IntelCollateral>),
    /// A VCEK or VLEK certificate (DER).
    Amd(Vec<u8>),
}

/// The kind of a stored item, as the admin API and the database name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollateralKind {
    Intel,
    Amd,
}

impl CollateralKind {
    pub fn name(self) -> &'static str {
        match self {
            CollateralKind::Intel => "intel",
            CollateralKind::Amd => "amd",
        }
    }
}

impl std::str::FromStr for CollateralKind {
    type Err = CollateralError;
    fn from_str(s: &str) -> Result<Self, CollateralError> {
        match s {
            "intel" => Ok(CollateralKind::Intel),
            "amd" => Ok(CollateralKind::Amd),
            other => Err(CollateralError::Intel(format!(
                "unknown collateral kind `{other}` (expected intel or amd)"
            ))),
        }
    }
}

impl CollateralItem {
    /// Reads collateral of `kind`: Intel JSON, or an AMD certificate as PEM or DER.
    pub fn parse(kind: CollateralKind, bytes: &[u8]) -> Result<Self, CollateralError> {
        match kind {
            CollateralKind::Intel => {
                IntelCollateral::from_json(bytes).map(|c| Self::Intel(c.into()))
            }
            CollateralKind::Amd => {
                let der = match std::str::from_utf8(bytes) {
                    Ok(text) if text.contains("-----BEGIN") => {
                        x509_parser::pem::parse_x509_pem(text.as_bytes())
                            .map_err(|e| CollateralError::Amd(format!("PEM: {e}")))?
                            .1
                            .contents
                    }
                    _ => bytes.to_vec(),
                };
                x509_parser::parse_x509_certificate(&der)
                    .map_err(|e| CollateralError::Amd(e.to_string()))?;
                Ok(Self::Amd(der))
            }
        }
    }

    pub fn kind(&self) -> CollateralKind {
        match self {
            CollateralItem::Intel(_) => CollateralKind::Intel,
            CollateralItem::Amd(_) => CollateralKind::Amd,
        }
    }

    /// What the item is stored under: `sgx/<fmspc>` or `tdx/<fmspc>` for
    /// Intel, the certificate's SHA-256 for AMD.
    pub fn key(&self) -> Result<String, CollateralError> {
        match self {
            CollateralItem::Intel(c) => Ok(c.key()?.to_string()),
            CollateralItem::Amd(der) => Ok(hex::encode(
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref(),
            )),
        }
    }

    /// The bytes [`parse`](Self::parse) reads back.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            CollateralItem::Intel(c) => serde_json::to_vec(c).unwrap_or_default(),
            CollateralItem::Amd(der) => der.clone(),
        }
    }
}

/// The collateral an appraiser holds.
#[derive(Debug, Clone, Default)]
pub struct CollateralStore {
    intel: BTreeMap<IntelKey, IntelCollateral>,
    amd: BTreeMap<String, Vec<u8>>,
}

impl CollateralStore {
    /// Adds (or replaces) an item; returns the key it is stored under.
    pub fn put(&mut self, item: CollateralItem) -> Result<String, CollateralError> {
        let key = item.key()?;
        match item {
            CollateralItem::Intel(c) => {
                self.intel.insert(c.key()?, *c);
            }
            CollateralItem::Amd(der) => {
                self.amd.insert(key.clone(), der);
            }
        }
        Ok(key)
    }

    pub fn remove(&mut self, kind: CollateralKind, key: &str) -> bool {
        match kind {
            CollateralKind::Intel => {
                let before = self.intel.len();
                self.intel.retain(|k, _| k.to_string() != key);
                before != self.intel.len()
            }
            CollateralKind::Amd => self.amd.remove(key).is_some(),
        }
    }

    pub fn intel(&self, tee: TeeKind, fmspc: &str) -> Option<&IntelCollateral> {
        self.intel.get(&IntelKey {
            tee,
            fmspc: fmspc.to_ascii_lowercase(),
        })
    }

    /// Stored VCEK / VLEK certificates (DER).
    pub fn amd_certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.amd.values().map(Vec::as_slice)
    }

    /// Every item with its kind and key.
    pub fn list(&self) -> Vec<(CollateralKind, String)> {
        self.intel
            .keys()
            .map(|k| (CollateralKind::Intel, k.to_string()))
            .chain(self.amd.keys().map(|k| (CollateralKind::Amd, k.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/sgx/sgx_quote_collateral.json"
        ))
        .expect("vector")
    }

    #[test]
    fn intel_collateral_is_keyed_by_tee_and_fmspc_and_dated_by_its_earliest_part() {
        let c = IntelCollateral::from_json(&vector()).expect("parses");
        let key = c.key().expect("key");
        assert_eq!(
            (key.tee, key.fmspc.as_str()),
            (TeeKind::Sgx, "00a067110000")
        );
        // QE identity's nextUpdate (2025-07-19T10:01:18Z) is the earliest.
        assert_eq!(c.next_update().expect("dates"), 1_752_919_278);
        assert!(c.check_current(1_752_919_277).is_ok());
        let late = c.check_current(1_752_919_278).expect_err("expired");
        assert!(late.contains("expired"), "{late}");
        let early = c.check_current(1_750_330_570).expect_err("not yet");
        assert!(early.contains("not yet valid"), "{early}");
        // Round trip through the stored form.
        let item = CollateralItem::Intel(Box::new(c.clone()));
        let back = CollateralItem::parse(CollateralKind::Intel, &item.to_bytes()).expect("back");
        assert_eq!(back, item);
        let mut store = CollateralStore::default();
        assert_eq!(store.put(item).expect("put"), "sgx/00a067110000");
        assert!(store.intel(TeeKind::Sgx, "00A067110000").is_some());
        assert!(store.intel(TeeKind::Tdx, "00a067110000").is_none());
        assert!(store.remove(CollateralKind::Intel, "sgx/00a067110000"));
        assert!(store.list().is_empty());
    }

    #[test]
    fn bad_collateral_is_refused_with_the_reason() {
        assert!(matches!(
            IntelCollateral::from_json(b"{}"),
            Err(CollateralError::IntelJson(_))
        ));
        let mut v: serde_json::Value = serde_json::from_slice(&vector()).expect("json");
        v["tcb_info"] = serde_json::Value::String(r#"{"id":"XYZ"}"#.into());
        let err =
            IntelCollateral::from_json(&serde_json::to_vec(&v).expect("ser")).expect_err("refused");
        assert!(err.to_string().contains("tcb_info"), "{err}");
        assert!(CollateralItem::parse(CollateralKind::Amd, b"not a certificate").is_err());
    }
}

/// What collateral a piece of evidence needs that it does not carry: what
/// a service fetches (from a PCCS / Intel PCS or AMD KDS) when none is
/// stored or the stored one is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// TCB info and QE identity for the TEE and FMSPC, the CRL of the CA
    /// (`processor` or `platform`) that issued the PCK certificate.
    Intel { key: IntelKey, ca: &'static str },
    /// The VCEK of this chip at this TCB.
    Amd {
        /// `Milan`, `Genoa` or `Turin` when the report says; otherwise each is tried.
        product: Option<&'static str>,
        chip_id: [u8; 64],
        bootloader: u8,
        tee: u8,
        snp: u8,
        microcode: u8,
        fmc: Option<u8>,
    },
}
