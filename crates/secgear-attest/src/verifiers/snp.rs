//! AMD SEV-SNP attestation reports (version 2 and later).
//!
//! The report layout is parsed with virtee's `sev` crate; the signature and
//! the chain are checked here, over the raw bytes, so every check stands on
//! its own:
//! - `collateral`: a VCEK or VLEK certificate is at hand — sent with the
//!   evidence (envelope `cert_chain`: the VCEK alone or with ASK and ARK)
//!   or stored by the operator for this chip and TCB;
//! - `endorsement`: it chains to an AMD root (ARK; Milan, Genoa and Turin
//!   are built in) through its ASK / ASVK — given, or the built-in ASKs;
//! - `signature`: the report's ECDSA P-384 / SHA-384 signature over its
//!   first 0x2A0 bytes verifies with that certificate's key;
//! - `tcb`: the certificate was issued for this report: its TCB extensions
//!   (boot loader, TEE, SNP, microcode, and FMC on Turin) equal the
//!   report's `reported_tcb` and, for a VCEK, its hardware id is the chip id;
//! - `freshness`: the report data carries the expected challenge.

use crate::crypto::{self, Curve, EcKey};
use crate::envelope::Envelope;
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use serde_json::{Value, json};
use sev::firmware::guest::AttestationReport;
use sev::firmware::host::TcbVersion;
use sev::parser::ByteParser;
use x509_parser::certificate::X509Certificate;

/// The signed part of a report: everything before the signature.
const SIGNED: std::ops::Range<usize> = 0..0x2A0;
const SIGNATURE: usize = 0x2A0;
/// r and s are little-endian, 72 bytes each, of which P-384 uses 48.
const COMPONENT: usize = 72;
const REPORT_LEN: usize = 1184;

const OID_BOOTLOADER: &str = "1.3.6.1.4.1.3704.1.3.1";
const OID_TEE: &str = "1.3.6.1.4.1.3704.1.3.2";
const OID_SNP: &str = "1.3.6.1.4.1.3704.1.3.3";
const OID_MICROCODE: &str = "1.3.6.1.4.1.3704.1.3.8";
const OID_FMC: &str = "1.3.6.1.4.1.3704.1.3.9";
const OID_HWID: &str = "1.3.6.1.4.1.3704.1.4";

pub struct SnpVerifier;

pub use crate::cert_table::{certificate_table, encode_certificate_table};

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::malformed(TeeKind::Snp, m)
}

fn tcb_json(t: &TcbVersion) -> Value {
    json!({
        "fmc": t.fmc,
        "bootloader": t.bootloader,
        "tee": t.tee,
        "snp": t.snp,
        "microcode": t.microcode,
    })
}

/// The raw report's signature as fixed-width big-endian r ‖ s. The
/// firmware zero-extends each 48-byte component to 72 bytes; anything else
/// above it is not a signature AMD's firmware made.
fn signature(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut fixed = Vec::with_capacity(96);
    for (i, name) in ["r", "s"].into_iter().enumerate() {
        let start = SIGNATURE + i * COMPONENT;
        let component = raw
            .get(start..start + COMPONENT)
            .ok_or_else(|| "no signature".to_string())?;
        let (le, padding) = component.split_at(48);
        if padding.iter().any(|b| *b != 0) {
            return Err(format!(
                "the signature's {name} has non-zero bytes above 48"
            ));
        }
        fixed.extend(le.iter().rev());
    }
    Ok(fixed)
}

fn extension<'a>(cert: &'a X509Certificate<'_>, oid: &str) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == oid)
        .map(|e| e.value)
}

fn ext_u8(cert: &X509Certificate<'_>, oid: &str) -> Option<u8> {
    let value = extension(cert, oid)?;
    let (_, int) = x509_parser::der_parser::der::parse_der_integer(value).ok()?;
    int.as_u32().ok().and_then(|v| u8::try_from(v).ok())
}

fn hardware_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    let value = extension(cert, OID_HWID)?;
    // KDS wraps the 64 bytes in an OCTET STRING; some certificates carry them raw.
    match x509_parser::der_parser::der::parse_der_octetstring(value) {
        Ok((_, o)) => o.as_slice().ok().map(<[u8]>::to_vec),
        Err(_) => Some(value.to_vec()),
    }
}

/// Whether the certificate was issued for this report's chip and TCB.
fn tcb_matches(cert: &X509Certificate<'_>, report: &AttestationReport, vlek: bool) -> Check {
    let t = &report.reported_tcb;
    let pairs = [
        ("boot loader", OID_BOOTLOADER, Some(t.bootloader)),
        ("TEE", OID_TEE, Some(t.tee)),
        ("SNP", OID_SNP, Some(t.snp)),
        ("microcode", OID_MICROCODE, Some(t.microcode)),
        ("FMC", OID_FMC, t.fmc),
    ];
    for (what, oid, reported) in pairs {
        let certified = ext_u8(cert, oid);
        if certified != reported {
            return Check::Failed(format!(
                "the certificate's {what} SPL is {certified:?}, the report's reported_tcb has {reported:?}"
            ));
        }
    }
    if !vlek {
        match hardware_id(cert) {
            Some(id) if id == report.chip_id => {}
            Some(id) => {
                return Check::Failed(format!(
                    "the VCEK is for chip {}, the report is from {}",
                    hex::encode(id),
                    hex::encode(report.chip_id)
                ));
            }
            None => return Check::Failed("the VCEK has no hardware id".into()),
        }
    }
    Check::Ok
}

/// The VCEK a report needs (`None` for VLEK-signed or unreadable reports).
pub fn vcek_need(raw: &[u8]) -> Option<crate::collateral::Need> {
    let report = AttestationReport::from_bytes(raw).ok()?;
    if report.key_info.signing_key() != 0 {
        return None;
    }
    // Version 3 and later reports name their CPU family and model.
    let product = match (report.cpuid_fam_id, report.cpuid_mod_id) {
        (Some(0x19), Some(0x00..=0x0f)) => Some("Milan"),
        (Some(0x19), Some(0x10..=0x1f | 0xa0..=0xaf)) => Some("Genoa"),
        (Some(0x1a), Some(0x00..=0x11)) => Some("Turin"),
        _ => None,
    };
    let t = &report.reported_tcb;
    Some(crate::collateral::Need::Amd {
        product,
        chip_id: report.chip_id,
        bootloader: t.bootloader,
        tee: t.tee,
        snp: t.snp,
        microcode: t.microcode,
        fmc: t.fmc,
    })
}

/// Whether `der` is the VCEK or VLEK certificate issued for this report.
pub fn certifies(der: &[u8], raw: &[u8]) -> bool {
    let Ok(report) = AttestationReport::from_bytes(raw) else {
        return false;
    };
    let vlek = report.key_info.signing_key() == 1;
    parse_cert(der).is_ok_and(|c| tcb_matches(&c, &report, vlek).is_ok())
}

fn parse_cert(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, c)| c)
        .map_err(|e| format!("certificate: {e}"))
}

impl Verifier for SnpVerifier {
    fn tee(&self) -> TeeKind {
        TeeKind::Snp
    }

    fn verify(
        &self,
        evidence: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let envelope = Envelope::parse(TeeKind::Snp, evidence)?;
        let raw = envelope.evidence.as_slice();
        if raw.len() != REPORT_LEN {
            return Err(bad(format!(
                "an attestation report is {REPORT_LEN} bytes, this is {}",
                raw.len()
            )));
        }
        let report = AttestationReport::from_bytes(raw).map_err(|e| bad(format!("report: {e}")))?;
        if report.version < 2 {
            return Err(bad(format!(
                "report version {} (2 or later expected)",
                report.version
            )));
        }
        if report.sig_algo != 1 {
            return Err(bad(format!(
                "signature algorithm {} (1, ECDSA P-384 with SHA-384, expected)",
                report.sig_algo
            )));
        }
        // KEY_INFO.SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none.
        let signing_key = report.key_info.signing_key();
        let vlek = match signing_key {
            0 => false,
            1 => true,
            other => {
                return Err(bad(format!(
                    "report signed by key {other}, not a VCEK or VLEK"
                )));
            }
        };

        let mut v = Verified::new(TeeKind::Snp);
        let p = &report.policy;
        v.claims.insert("version".into(), report.version.into());
        v.claims.insert(
            "signing_key".into(),
            if vlek { "vlek" } else { "vcek" }.into(),
        );
        v.claims
            .insert("measurement".into(), hex::encode(report.measurement).into());
        v.claims
            .insert("host_data".into(), hex::encode(report.host_data).into());
        v.claims
            .insert("report_data".into(), hex::encode(report.report_data).into());
        v.claims
            .insert("chip_id".into(), hex::encode(report.chip_id).into());
        v.claims.insert("vmpl".into(), report.vmpl.into());
        v.claims.insert("guest_svn".into(), report.guest_svn.into());
        v.claims
            .insert("family_id".into(), hex::encode(report.family_id).into());
        v.claims
            .insert("image_id".into(), hex::encode(report.image_id).into());
        v.claims.insert(
            "id_key_digest".into(),
            hex::encode(report.id_key_digest).into(),
        );
        v.claims.insert(
            "author_key_digest".into(),
            hex::encode(report.author_key_digest).into(),
        );
        v.claims.insert(
            "policy".into(),
            json!({
                "debug": p.debug_allowed(),
                "migrate_ma": p.migrate_ma_allowed(),
                "smt": p.smt_allowed(),
                "single_socket": p.single_socket_required(),
                "abi_major": p.abi_major(),
                "abi_minor": p.abi_minor(),
            }),
        );
        v.claims
            .insert("reported_tcb".into(), tcb_json(&report.reported_tcb));
        v.claims
            .insert("current_tcb".into(), tcb_json(&report.current_tcb));
        v.claims
            .insert("committed_tcb".into(), tcb_json(&report.committed_tcb));
        v.claims
            .insert("launch_tcb".into(), tcb_json(&report.launch_tcb));
        v.check(CheckName::Freshness, freshness.check(&report.report_data));

        // The signing certificate: sent with the report, or stored for it.
        let (leaf, intermediates): (Vec<u8>, Vec<Vec<u8>>) = match envelope.cert_chain.split_first()
        {
            Some((leaf, rest)) => (leaf.clone(), rest.to_vec()),
            None => {
                let stored = context.collateral.amd_certificates().find(|der| {
                    parse_cert(der).is_ok_and(|c| tcb_matches(&c, &report, vlek).is_ok())
                });
                match stored {
                    Some(der) => (der.to_vec(), Vec::new()),
                    None => {
                        v.check(
                            CheckName::Collateral,
                            Check::Failed(format!(
                                "no {} for chip {} at TCB {}: send it with the report or store it (secgear as collateral put --kind amd)",
                                if vlek { "VLEK" } else { "VCEK" },
                                hex::encode(report.chip_id),
                                tcb_json(&report.reported_tcb)
                            )),
                        );
                        for name in [CheckName::Endorsement, CheckName::Signature, CheckName::Tcb] {
                            v.check(name, Check::NotChecked("no VCEK or VLEK".into()));
                        }
                        return Ok(v);
                    }
                }
            }
        };
        let cert = parse_cert(&leaf).map_err(bad)?;
        v.check(CheckName::Collateral, Check::Ok);
        let mut known = intermediates;
        known.extend(crate::anchors::amd_signing_keys());
        v.check(
            CheckName::Endorsement,
            if context.anchors.snp.is_empty() {
                Check::Failed("no AMD root is configured as a trust anchor".into())
            } else {
                Check::from_result(crypto::verify_chain(
                    &leaf,
                    &known,
                    &context.anchors.snp,
                    context.now,
                ))
            },
        );
        let signed = raw.get(SIGNED).unwrap_or_default();
        let sig_check = match (signature(raw), EcKey::of_certificate(&cert, Curve::P384)) {
            (Err(refusal), _) => Check::Failed(refusal),
            (_, Err(e)) => Check::Failed(e.to_string()),
            (Ok(sig), Ok(key)) => Check::from_result(crypto::verify_ecdsa(&key, -35, signed, &sig)),
        };
        v.check(CheckName::Signature, sig_check);
        v.check(CheckName::Tcb, tcb_matches(&cert, &report, vlek));
        Ok(v)
    }
}
