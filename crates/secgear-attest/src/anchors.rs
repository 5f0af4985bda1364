//! Trust anchors: the keys and certificates evidence must chain to.
//!
//! Files are read in this project's JSON format, the rust-ccatoken
//! trust-anchor store format (`ta.json`), a bare JWK (`cpak.json`), or PEM
//! certificates / public keys. Which TEE a PEM certificate serves is given
//! by the caller ([`TrustAnchors::add_pem`]).

use crate::crypto::{Curve, EcKey};
use crate::encoding::b64url_decode;
use secgear_types::TeeKind;
use serde::Deserialize;

/// A CCA platform attestation key (CPAK) and the platform it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcaAnchor {
    /// `None` matches any platform (a bare CPAK given without identifiers).
    pub implementation_id: Option<Vec<u8>>,
    pub instance_id: Option<Vec<u8>>,
    pub key: EcKey,
}

#[derive(Debug, Clone)]
pub struct TrustAnchors {
    /// Simulation platform public keys (SEC1, P-384).
    pub sim: Vec<EcKey>,
    pub cca: Vec<CcaAnchor>,
    /// DER certificates the virtCCA device (AIK) certificate must chain to.
    pub virtcca: Vec<Vec<u8>>,
    /// DER certificates iTrustee DRK certificates must chain to (Huawei IT Product CA).
    pub itrustee: Vec<Vec<u8>>,
    /// DER roots of attestation services that issue iTrustee AK certificates (`sce_as_no_daa`).
    pub itrustee_as: Vec<Vec<u8>>,
    /// DER Intel SGX Root CAs (PCK chains of SGX and TDX quotes). None is
    /// built in: the operator names the root.
    pub intel: Vec<Vec<u8>>,
    /// DER AMD roots (ARK) that ASK / ASVK and VCEK / VLEK chains end in;
    /// Milan, Genoa and Turin by default.
    pub snp: Vec<Vec<u8>>,
    /// DER AWS Nitro roots.
    pub nitro: Vec<Vec<u8>>,
}

/// AMD's ARKs and ASKs as its KDS serves them (roots/amd/PROVENANCE.md).
const AMD_ROOTS: [&str; 3] = [
    include_str!("../roots/amd/milan-ark.pem"),
    include_str!("../roots/amd/genoa-ark.pem"),
    include_str!("../roots/amd/turin-ark.pem"),
];
const AMD_SIGNING_KEYS: [&str; 3] = [
    include_str!("../roots/amd/milan-ask.pem"),
    include_str!("../roots/amd/genoa-ask.pem"),
    include_str!("../roots/amd/turin-ask.pem"),
];

/// The AMD signing keys (ASK) of the products whose roots are built in:
/// intermediates for a VCEK that arrives alone.
pub fn amd_signing_keys() -> Vec<Vec<u8>> {
    AMD_SIGNING_KEYS
        .iter()
        .filter_map(|pem| pem_certs(pem).ok())
        .flatten()
        .collect()
}

impl TrustAnchors {
    /// No anchors at all, not even the built-in AMD roots.
    pub fn empty() -> Self {
        Self {
            sim: Vec::new(),
            cca: Vec::new(),
            virtcca: Vec::new(),
            itrustee: Vec::new(),
            itrustee_as: Vec::new(),
            intel: Vec::new(),
            snp: Vec::new(),
            nitro: Vec::new(),
        }
    }
}

impl Default for TrustAnchors {
    /// The built-in anchors: AMD's Milan, Genoa and Turin roots.
    fn default() -> Self {
        Self {
            snp: AMD_ROOTS
                .iter()
                .filter_map(|pem| pem_certs(pem).ok())
                .flatten()
                .collect(),
            ..Self::empty()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl Jwk {
    fn ec_key(&self) -> Result<EcKey, AnchorError> {
        let bad = |m: &str| AnchorError::Invalid(format!("JWK: {m}"));
        if self.kty != "EC" {
            return Err(bad("only EC keys are trust anchors for CCA"));
        }
        let curve = self
            .crv
            .as_deref()
            .and_then(Curve::from_jwk)
            .ok_or_else(|| bad("unknown curve"))?;
        let x = self
            .x
            .as_deref()
            .map(b64url_decode)
            .transpose()
            .map_err(|_| bad("x"))?
            .ok_or_else(|| bad("x"))?;
        let y = self
            .y
            .as_deref()
            .map(b64url_decode)
            .transpose()
            .map_err(|_| bad("y"))?
            .ok_or_else(|| bad("y"))?;
        let n = curve.coordinate_len();
        if x.len() != n || y.len() != n {
            return Err(bad("coordinate length"));
        }
        let mut point = vec![4u8];
        point.extend_from_slice(&x);
        point.extend_from_slice(&y);
        Ok(EcKey { curve, point })
    }
}

/// One entry of a rust-ccatoken `ta.json` store.
#[derive(Deserialize)]
struct CcaStoreEntry {
    #[serde(rename = "implementation-id")]
    implementation_id: String,
    #[serde(rename = "instance-id")]
    instance_id: String,
    pkey: Jwk,
}

/// This project's own anchor file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    /// Hex SEC1 P-384 points of simulation platform keys.
    #[serde(default)]
    sim: Vec<String>,
    #[serde(default)]
    cca: Vec<CcaStoreEntry>,
    /// PEM certificates.
    #[serde(default)]
    virtcca: Vec<String>,
    #[serde(default)]
    itrustee: Vec<String>,
    #[serde(default)]
    itrustee_as: Vec<String>,
    /// PEM Intel SGX Root CAs (serve SGX and TDX).
    #[serde(default)]
    intel: Vec<String>,
    #[serde(default)]
    snp: Vec<String>,
    #[serde(default)]
    nitro: Vec<String>,
}

fn hex_id(s: &str, what: &str) -> Result<Vec<u8>, AnchorError> {
    hex::decode(s).map_err(|_| AnchorError::Invalid(format!("{what} is not hex")))
}

fn pem_certs(text: &str) -> Result<Vec<Vec<u8>>, AnchorError> {
    let certs: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(text.as_bytes())
        .filter_map(Result::ok)
        .filter(|p| p.label == "CERTIFICATE")
        .map(|p| p.contents)
        .collect();
    if certs.is_empty() {
        return Err(AnchorError::Invalid("no PEM certificate found".into()));
    }
    Ok(certs)
}

impl TrustAnchors {
    pub fn add_sim_key(&mut self, sec1_point: Vec<u8>) {
        self.sim.push(EcKey {
            curve: Curve::P384,
            point: sec1_point,
        });
    }

    /// PEM certificates (or a DER one) as anchors for `tee`.
    pub fn add_certificates(&mut self, tee: TeeKind, bytes: &[u8]) -> Result<(), AnchorError> {
        let certs = match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("-----BEGIN") => pem_certs(text)?,
            _ => vec![bytes.to_vec()],
        };
        for der in &certs {
            x509_parser::parse_x509_certificate(der)
                .map_err(|e| AnchorError::Invalid(format!("certificate: {e}")))?;
        }
        match tee {
            TeeKind::Virtcca => self.virtcca.extend(certs),
            TeeKind::Itrustee => self.itrustee.extend(certs),
            TeeKind::Sgx | TeeKind::Tdx => self.intel.extend(certs),
            TeeKind::Snp => self.snp.extend(certs),
            TeeKind::Nitro => self.nitro.extend(certs),
            other => {
                return Err(AnchorError::Invalid(format!(
                    "{other} takes no certificate anchors"
                )));
            }
        }
        Ok(())
    }

    /// Reads an anchor file for `tee` (see the module docs for formats).
    pub fn load(&mut self, tee: TeeKind, bytes: &[u8]) -> Result<(), AnchorError> {
        let text = std::str::from_utf8(bytes).ok();
        if text.is_some_and(|t| t.contains("-----BEGIN CERTIFICATE")) || text.is_none() {
            return self.add_certificates(tee, bytes);
        }
        let text = text.unwrap_or_default();
        if text.contains("-----BEGIN PUBLIC KEY") {
            return self.add_public_key_pem(tee, text);
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| AnchorError::Invalid(format!("not JSON, PEM or DER: {e}")))?;
        match value {
            serde_json::Value::Array(_) => {
                let entries: Vec<CcaStoreEntry> = serde_json::from_value(value)
                    .map_err(|e| AnchorError::Invalid(format!("ta.json: {e}")))?;
                for e in entries {
                    self.cca.push(cca_anchor(e)?);
                }
            }
            serde_json::Value::Object(ref o) if o.contains_key("kty") => {
                let jwk: Jwk = serde_json::from_value(value)
                    .map_err(|e| AnchorError::Invalid(e.to_string()))?;
                self.cca.push(CcaAnchor {
                    implementation_id: None,
                    instance_id: None,
                    key: jwk.ec_key()?,
                });
            }
            _ => {
                let file: AnchorFile = serde_json::from_value(value)
                    .map_err(|e| AnchorError::Invalid(e.to_string()))?;
                for s in file.sim {
                    self.add_sim_key(hex_id(&s, "sim key")?);
                }
                for e in file.cca {
                    self.cca.push(cca_anchor(e)?);
                }
                for (tee, pems) in [
                    (TeeKind::Virtcca, file.virtcca),
                    (TeeKind::Itrustee, file.itrustee),
                    (TeeKind::Sgx, file.intel),
                    (TeeKind::Snp, file.snp),
                    (TeeKind::Nitro, file.nitro),
                ] {
                    for pem in pems {
                        self.add_certificates(tee, pem.as_bytes())?;
                    }
                }
                for pem in file.itrustee_as {
                    self.itrustee_as.extend(pem_certs(&pem)?);
                }
            }
        }
        Ok(())
    }

    pub fn load_file(&mut self, tee: TeeKind, path: &std::path::Path) -> Result<(), AnchorError> {
        let bytes = std::fs::read(path).map_err(|e| AnchorError::Read {
            path: path.display().to_string(),
            source: e,
        })?;
        self.load(tee, &bytes)
    }

    fn add_public_key_pem(&mut self, tee: TeeKind, text: &str) -> Result<(), AnchorError> {
        use p384::pkcs8::DecodePublicKey;
        let key = p384::PublicKey::from_public_key_pem(text).map_err(|_| {
            AnchorError::Invalid("only P-384 public keys are accepted as PEM keys".into())
        })?;
        let point = p384::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&key, false)
            .as_bytes()
            .to_vec();
        match tee {
            TeeKind::Sim => self.add_sim_key(point),
            TeeKind::Cca => self.cca.push(CcaAnchor {
                implementation_id: None,
                instance_id: None,
                key: EcKey {
                    curve: Curve::P384,
                    point,
                },
            }),
            other => {
                return Err(AnchorError::Invalid(format!(
                    "{other} anchors are certificates, not bare keys"
                )));
            }
        }
        Ok(())
    }
}

fn cca_anchor(e: CcaStoreEntry) -> Result<CcaAnchor, AnchorError> {
    Ok(CcaAnchor {
        implementation_id: Some(hex_id(&e.implementation_id, "implementation-id")?),
        instance_id: Some(hex_id(&e.instance_id, "instance-id")?),
        key: e.pkey.ec_key()?,
    })
}
