//! Intel SGX (quote v3) and TDX (quote v4 / v5, TD report 1.0 and 1.5)
//! ECDSA quotes, verified with Intel DCAP collateral.
//!
//! Quote parsing, TCB level matching and QE identity matching come from
//! Phala's `dcap-qvl` (pure Rust). It stops at the first error, so the
//! checks that make a quote genuine are done here first, each reported on
//! its own:
//! - `signature`: the attestation key signs the header and report body;
//! - `qe_report.signature`: the PCK certificate's key signs the QE report;
//! - `qe_report.binding`: the QE report data is SHA-256(attestation key ‖
//!   QE authentication data): the QE vouches for that attestation key;
//! - `endorsement`: the PCK certificate chains to an Intel SGX Root CA
//!   configured as a trust anchor (never a compiled-in one);
//! - `collateral`: TCB info, QE identity and both CRLs are present (stored
//!   per FMSPC, or carried in the evidence envelope) and current at the
//!   appraisal time; their signatures and the CRLs are checked by dcap-qvl;
//! - `qe_identity`: the quoting enclave matches Intel's QE identity;
//! - `tcb`: the platform (PCK certificate SVNs, TEE TCB SVN for TDX) matches
//!   a TCB level. Its status and advisories are claims for the policy;
//! - `td_attributes` (TDX): dcap-qvl's refusal of TDs that are migratable,
//!   lack SEPT_VE_DISABLE, set reserved bits or bind service TDs (debug is
//!   left to the policy, as the `debug` claim);
//! - `freshness`: the report data carries the expected challenge;
//! - `event_log` (TDX, when the envelope carries a CCEL log): the log
//!   replays to RTMR0–3.

use crate::anchors::TrustAnchors;
use crate::crypto::{self, Curve, EcKey};
use crate::envelope::{Envelope, certificates};
use crate::eventlog::DigestAlg;
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use dcap_qvl::configs::RustCryptoConfig;
use dcap_qvl::quote::{Quote, Report};
use serde_json::{Map, Value};

const TEE_TYPE_SGX: u32 = 0;
const TEE_TYPE_TDX: u32 = 0x81;
/// The report data's offset in an SGX enclave report (the QE's included).
const REPORT_DATA: std::ops::Range<usize> = 320..384;

pub struct DcapVerifier {
    tee: TeeKind,
}

impl DcapVerifier {
    pub fn sgx() -> Self {
        Self { tee: TeeKind::Sgx }
    }

    pub fn tdx() -> Self {
        Self { tee: TeeKind::Tdx }
    }
}

fn hex(bytes: &[u8]) -> Value {
    Value::String(hex::encode(bytes))
}

/// Where a dcap-qvl refusal belongs. Its errors are text; the phrases are
/// those of the pinned version (tests hold each class to a vector).
fn classify(message: &str) -> CheckName {
    let td_attribute_words = [
        "TD attributes",
        "TD migration",
        "TD profiling",
        "SEPT_VE_DISABLE",
        "SERVTD_EXT",
        "MR service TD",
    ];
    if td_attribute_words.iter().any(|w| message.contains(w)) {
        return CheckName::TdAttributes;
    }
    let collateral_words = [
        "expired",
        "issue date",
        "Signature is invalid",
        "decode",
        "ertificate",
        "CRL",
        "crl",
    ];
    let tcb_words = [
        "Revoked",
        "TCB level",
        "Fmspc mismatch",
        "TDX module",
        "TEE_TCB_SVN",
        "TCB info in the collateral",
        "Unrecognized TCB status",
    ];
    if message.contains("QE ") && !collateral_words.iter().any(|w| message.contains(w)) {
        return CheckName::QeIdentity;
    }
    if tcb_words.iter().any(|w| message.contains(w)) {
        return CheckName::Tcb;
    }
    CheckName::Collateral
}

/// The P-256 key of the PCK certificate.
fn p256_key(der: &[u8]) -> Result<EcKey, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    EcKey::of_certificate(&cert, Curve::P256).map_err(|e| format!("PCK certificate: {e}"))
}

/// The quote's own checks; what dcap-qvl then needs.
struct Genuine {
    pck_chain: Vec<Vec<u8>>,
    fmspc: Option<[u8; 6]>,
    all_ok: bool,
}

fn own_checks(
    v: &mut Verified,
    raw: &[u8],
    quote: &Quote,
    envelope: &Envelope,
    anchors: &TrustAnchors,
    now: i64,
    tee: TeeKind,
) -> Result<Genuine, VerifyError> {
    let bad = |m: String| VerifyError::malformed(tee, m);
    let auth = quote.auth_data.clone().into_v3();
    let mut attestation_key = vec![4u8];
    attestation_key.extend_from_slice(&auth.ecdsa_attestation_key);
    let signed = raw
        .get(..quote.signed_length())
        .ok_or_else(|| bad("quote shorter than its signed part".into()))?;
    let key = EcKey {
        curve: Curve::P256,
        point: attestation_key,
    };
    v.check(
        CheckName::Signature,
        Check::from_result(crypto::verify_ecdsa(
            &key,
            -7,
            signed,
            &auth.ecdsa_signature,
        )),
    );

    let mut qe_hashed = auth.ecdsa_attestation_key.to_vec();
    qe_hashed.extend_from_slice(&auth.qe_auth_data.data);
    let expected = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &qe_hashed);
    let qe_report_data = auth.qe_report.get(REPORT_DATA).unwrap_or_default();
    v.check(
        CheckName::QeReportBinding,
        if qe_report_data.get(..32) == Some(expected.as_ref())
            && qe_report_data
                .get(32..)
                .is_some_and(|r| r.iter().all(|b| *b == 0))
        {
            Check::Ok
        } else {
            Check::Failed("the QE report data is not the hash of the attestation key".into())
        },
    );

    // The PCK chain: given beside the quote, or in its certification data.
    let pck_chain = if !envelope.cert_chain.is_empty() {
        envelope.cert_chain.clone()
    } else if let Some(pem) = envelope
        .collateral
        .as_ref()
        .and_then(|c| c.pck_certificate_chain.as_ref())
    {
        certificates(pem.as_bytes())
            .map_err(|e| bad(format!("PCK chain in the collateral: {e}")))?
    } else {
        let raw_chain = quote
            .raw_cert_chain()
            .map_err(|e| bad(format!("quote carries no PCK chain: {e:#}")))?;
        certificates(raw_chain).map_err(|e| bad(format!("PCK chain in the quote: {e}")))?
    };
    let Some((leaf, intermediates)) = pck_chain.split_first() else {
        return Err(bad("empty PCK certificate chain".into()));
    };
    let qe_signature = p256_key(leaf).and_then(|k| {
        crypto::verify_ecdsa(&k, -7, &auth.qe_report, &auth.qe_report_signature)
            .map_err(|e| e.to_string())
    });
    v.check(
        CheckName::QeReportSignature,
        Check::from_result(qe_signature),
    );
    v.check(
        CheckName::Endorsement,
        if anchors.intel.is_empty() {
            Check::Failed("no Intel SGX Root CA is configured as a trust anchor".into())
        } else {
            Check::from_result(crypto::verify_chain(
                leaf,
                intermediates,
                &anchors.intel,
                now,
            ))
        },
    );
    let fmspc = dcap_qvl::intel::parse_pck_extension(leaf)
        .ok()
        .map(|ext| ext.fmspc);
    let all_ok = v.checks.values().all(Check::is_ok);
    Ok(Genuine {
        pck_chain,
        fmspc,
        all_ok,
    })
}

fn report_claims(report: &Report, claims: &mut Map<String, Value>) -> Vec<u8> {
    match report {
        Report::SgxEnclave(r) => {
            claims.insert("mrenclave".into(), hex(&r.mr_enclave));
            claims.insert("mrsigner".into(), hex(&r.mr_signer));
            claims.insert("isvprodid".into(), r.isv_prod_id.into());
            claims.insert("isvsvn".into(), r.isv_svn.into());
            claims.insert("attributes".into(), hex(&r.attributes));
            // ATTRIBUTES.DEBUG is bit 1 of the first byte.
            claims.insert("debug".into(), (r.attributes[0] & 0x02 != 0).into());
            claims.insert("misc_select".into(), r.misc_select.into());
            claims.insert("cpu_svn".into(), hex(&r.cpu_svn));
            claims.insert("report_data".into(), hex(&r.report_data));
            r.report_data.to_vec()
        }
        Report::TD10(r) => td10_claims(r, claims),
        Report::TD15(r) => {
            claims.insert("tee_tcb_svn2".into(), hex(&r.tee_tcb_svn2));
            claims.insert("mr_servicetd".into(), hex(&r.mr_service_td));
            td10_claims(&r.base, claims)
        }
        Report::TD15Ex(r) => {
            claims.insert("tee_tcb_svn2".into(), hex(&r.base.tee_tcb_svn2));
            claims.insert("mr_servicetd".into(), hex(&r.base.mr_service_td));
            td10_claims(&r.base.base, claims)
        }
    }
}

fn td10_claims(r: &dcap_qvl::quote::TDReport10, claims: &mut Map<String, Value>) -> Vec<u8> {
    claims.insert("mrtd".into(), hex(&r.mr_td));
    for (i, rtmr) in [&r.rt_mr0, &r.rt_mr1, &r.rt_mr2, &r.rt_mr3]
        .iter()
        .enumerate()
    {
        claims.insert(format!("rtmr{i}"), hex(*rtmr));
    }
    claims.insert("mrconfigid".into(), hex(&r.mr_config_id));
    claims.insert("mrowner".into(), hex(&r.mr_owner));
    claims.insert("mrownerconfig".into(), hex(&r.mr_owner_config));
    claims.insert("td_attributes".into(), hex(&r.td_attributes));
    // The TUD byte of TDATTRIBUTES (DEBUG, and the profiling bits dcap-qvl
    // lets through with debug): any bit set and the host can look inside.
    claims.insert("debug".into(), (r.td_attributes[0] != 0).into());
    claims.insert("xfam".into(), hex(&r.xfam));
    claims.insert("mrseam".into(), hex(&r.mr_seam));
    claims.insert("mrsignerseam".into(), hex(&r.mr_signer_seam));
    claims.insert("tee_tcb_svn".into(), hex(&r.tee_tcb_svn));
    claims.insert("report_data".into(), hex(&r.report_data));
    r.report_data.to_vec()
}

/// Replays a CCEL log against RTMR0–3 (SHA-384).
fn check_rtmrs(log: &[u8], report: &Report) -> (Check, Option<Value>) {
    let td = match report {
        Report::TD10(r) => r,
        Report::TD15(r) => &r.base,
        Report::TD15Ex(r) => &r.base.base,
        Report::SgxEnclave(_) => return (Check::NotChecked("SGX has no RTMRs".into()), None),
    };
    let rtmrs = [&td.rt_mr0, &td.rt_mr1, &td.rt_mr2, &td.rt_mr3].map(|r| r.to_vec());
    super::logs::check_event_log(log, DigestAlg::Sha384, &rtmrs)
}

impl Verifier for DcapVerifier {
    fn tee(&self) -> TeeKind {
        self.tee
    }

    fn verify(
        &self,
        evidence: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError> {
        let tee = self.tee;
        let bad = |m: String| VerifyError::malformed(tee, m);
        let envelope = Envelope::parse(tee, evidence)?;
        let raw = envelope.evidence.as_slice();
        let quote = Quote::parse(raw).map_err(|e| bad(format!("quote: {e:#}")))?;
        match (tee, quote.header.tee_type, &quote.report) {
            (TeeKind::Sgx, TEE_TYPE_SGX, Report::SgxEnclave(_)) if quote.header.version == 3 => {}
            (TeeKind::Tdx, TEE_TYPE_TDX, Report::TD10(_) | Report::TD15(_) | Report::TD15Ex(_))
                if matches!(quote.header.version, 4 | 5) => {}
            (_, tee_type, _) => {
                return Err(bad(format!(
                    "a version {} quote of TEE type {tee_type:#x} is not {tee} evidence",
                    quote.header.version
                )));
            }
        }
        let mut v = Verified::new(tee);
        let now = context.now;
        let genuine = own_checks(&mut v, raw, &quote, &envelope, context.anchors, now, tee)?;
        let report_data = report_claims(&quote.report, &mut v.claims);
        if let Some(fmspc) = genuine.fmspc {
            v.claims.insert("fmspc".into(), hex(&fmspc));
        }
        v.check(CheckName::Freshness, freshness.check(&report_data));

        let stored = genuine
            .fmspc
            .and_then(|f| context.collateral.intel(tee, &hex::encode(f)));
        // The operator's collateral, while current, wins over what the
        // evidence brings: older (still signed) collateral from the
        // evidence must not roll back a CRL or a TCB recovery.
        let current = stored.filter(|c| c.check_current(now).is_ok());
        let collateral = current.or(envelope.collateral.as_ref()).or(stored);
        let dependent = appraised_by_dcap_qvl(tee);
        // Without usable collateral dcap-qvl cannot run: the checks it
        // decides after the collateral are not made.
        let collateral_failed = |v: &mut Verified, reason: String, not_made: &str| {
            v.check(CheckName::Collateral, Check::Failed(reason));
            for &name in dependent.iter().filter(|&&c| c != CheckName::Collateral) {
                v.check(name, Check::NotChecked(not_made.into()));
            }
        };
        match collateral {
            None => {
                let fmspc = genuine.fmspc.map(hex::encode).unwrap_or_else(|| "?".into());
                collateral_failed(
                    &mut v,
                    format!(
                        "no collateral for {tee}/{fmspc}: store it (secgear as collateral put) or send it with the evidence"
                    ),
                    "no collateral",
                );
            }
            Some(c) => match c.check_current(now) {
                Err(expired) => {
                    collateral_failed(&mut v, expired, "the collateral is not current");
                }
                Ok(()) if !genuine.all_ok => {
                    for &name in dependent {
                        v.check(
                            name,
                            Check::NotChecked("the quote's own checks failed".into()),
                        );
                    }
                }
                Ok(()) => {
                    let mut c = dcap_qvl::QuoteCollateralV3::from(c);
                    if c.pck_certificate_chain.is_none() && !envelope.cert_chain.is_empty() {
                        c.pck_certificate_chain = Some(crate::envelope::pem(&genuine.pck_chain));
                    }
                    appraise_tcb(&mut v, raw, &c, context.anchors, now, dependent);
                }
            },
        }

        if let Some(log) = &envelope.event_log {
            let (check, claims) = check_rtmrs(log, &quote.report);
            v.check(CheckName::EventLog, check);
            if let Some(claims) = claims {
                v.claims.insert("event_log".into(), claims);
            }
        }
        Ok(v)
    }
}

/// The checks dcap-qvl decides, in the order it makes them.
fn appraised_by_dcap_qvl(tee: TeeKind) -> &'static [CheckName] {
    const SGX: &[CheckName] = &[CheckName::Collateral, CheckName::QeIdentity, CheckName::Tcb];
    const TDX: &[CheckName] = &[
        CheckName::Collateral,
        CheckName::QeIdentity,
        CheckName::Tcb,
        CheckName::TdAttributes,
    ];
    if tee == TeeKind::Tdx { TDX } else { SGX }
}

/// Runs dcap-qvl with each configured root; the first that verifies wins.
fn appraise_tcb(
    v: &mut Verified,
    raw: &[u8],
    collateral: &dcap_qvl::QuoteCollateralV3,
    anchors: &TrustAnchors,
    now: i64,
    order: &[CheckName],
) {
    let now = u64::try_from(now).unwrap_or(0);
    let mut refusal = String::from("no Intel SGX Root CA is configured");
    for root in &anchors.intel {
        let verifier =
            dcap_qvl::verify::QuoteVerifier::<RustCryptoConfig>::new_with_config(root.clone())
                // Debug enclaves are the policy's to refuse (the `debug` claim).
                .allow_debug(true);
        match verifier.verify(raw, collateral, now) {
            Ok(report) => {
                for &name in order {
                    v.check(name, Check::Ok);
                }
                v.claims.insert("tcb_status".into(), report.status.into());
                v.claims.insert(
                    "advisory_ids".into(),
                    Value::Array(report.advisory_ids.into_iter().map(Value::String).collect()),
                );
                return;
            }
            Err(e) => refusal = format!("{e:#}"),
        }
    }
    // A refusal of a kind this TEE has no check for must still fail one.
    let mut failed = classify(&refusal);
    if !order.contains(&failed) {
        failed = CheckName::Collateral;
    }
    if failed == CheckName::Tcb && refusal.contains("Revoked") {
        v.claims.insert("tcb_status".into(), "Revoked".into());
    }
    let mut reached = false;
    for &name in order {
        if name == failed {
            v.check(name, Check::Failed(refusal.clone()));
            reached = true;
        } else if reached {
            v.check(name, Check::NotChecked(format!("{failed} failed")));
        } else {
            v.check(name, Check::Ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        IntelPki, IntelPlatform, TD_DEBUG, TD_MIGRATABLE, TD_SEPT_VE_DISABLE, intel_pki,
    };

    /// The appraisal time of the test-PKI tests.
    const NOW: i64 = 1_800_000_000;

    /// A test Intel PKI and trust anchors holding its root.
    fn test_pki() -> (IntelPki, TrustAnchors) {
        let pki = intel_pki(IntelPlatform::default());
        let mut anchors = TrustAnchors::empty();
        anchors.intel.push(pki.root_der.clone());
        (pki, anchors)
    }

    #[test]
    fn test_signed_sgx_and_tdx_quotes_pass_every_dcap_check_under_their_test_root() {
        let (pki, anchors) = test_pki();
        let now = NOW;
        for (tee, verifier, quote) in [
            (
                TeeKind::Sgx,
                DcapVerifier::sgx(),
                pki.sgx_quote(&[7; 64], &[1; 32]),
            ),
            (
                TeeKind::Tdx,
                DcapVerifier::tdx(),
                pki.tdx_quote(&[7; 64], &[2; 48]),
            ),
            (
                TeeKind::Tdx,
                DcapVerifier::tdx(),
                pki.tdx_quote_v5(&[7; 64], &[2; 48]),
            ),
        ] {
            let envelope = |evidence: &[u8], window: (i64, i64)| {
                let e = Envelope {
                    evidence: evidence.to_vec(),
                    collateral: Some(pki.collateral(tee, window.0, window.1)),
                    ..Default::default()
                };
                serde_json::to_vec(&e.to_json()).expect("json")
            };
            let verify = |evidence: &[u8], challenge: u8| {
                verifier
                    .verify(
                        evidence,
                        &Freshness::Challenge(vec![challenge; 64]),
                        &Context::at(&anchors, now),
                    )
                    .expect("parses")
            };
            let current = (now - 3600, now + 3600);
            let v = verify(&envelope(&quote, current), 7);
            assert!(v.all_ok(), "{tee}: {:?}", v.checks);
            assert_eq!(v.checks[&CheckName::Freshness], Check::Ok);
            assert_eq!(v.claims["tcb_status"], "UpToDate", "{tee}");
            assert_eq!(v.claims["fmspc"], "00906ea10000", "{tee}");
            let version = quote[0];
            assert_eq!(
                v.claims.contains_key("tee_tcb_svn2"),
                version == 5,
                "TD report 1.5 only"
            );

            let v = verify(&envelope(&quote, current), 8);
            assert!(!v.checks[&CheckName::Freshness].is_ok(), "{tee}");
            let v = verify(&envelope(&quote, (now - 7200, now - 3600)), 7);
            assert!(!v.checks[&CheckName::Collateral].is_ok(), "{tee}");
            // The report data is under the attestation key's signature.
            let mut forged = quote.clone();
            // The report data ends the SGX report and the TD 1.0 part of a
            // TD report; v5 puts a 6-byte body descriptor before the report.
            let report_data_end = match version {
                3 => 48 + 384,
                4 => 48 + 584,
                _ => 48 + 6 + 584,
            };
            forged[report_data_end - 1] ^= 1;
            let v = verify(&envelope(&forged, current), 7);
            assert!(!v.checks[&CheckName::Signature].is_ok(), "{tee}");
        }
    }

    /// dcap-qvl refuses such TDs after every other check: the refusal is
    /// filed under `td_attributes`, with collateral, QE identity and TCB
    /// reported good, and the configuration is refused whatever the policy
    /// (here: no policy data at all). A debug TD is the policy's to refuse,
    /// not the verifier's.
    #[test]
    fn a_td_with_untrustworthy_attributes_fails_the_td_attributes_check_not_the_collateral() {
        let (pki, anchors) = test_pki();
        let now = NOW;
        let mut appraiser = crate::Appraiser::new(
            anchors,
            crate::ReferenceValues::new(),
            crate::Mode::Production,
        );
        appraiser.clock = crate::appraise::Clock::Fixed(
            time::OffsetDateTime::from_unix_timestamp(now).expect("time"),
        );
        let appraise = |td_attributes: u64| {
            let envelope = Envelope {
                evidence: pki.tdx_quote_with_attributes(&[0; 64], &[2; 48], td_attributes),
                collateral: Some(pki.collateral(TeeKind::Tdx, now - 60, now + 60)),
                ..Default::default()
            };
            let evidence = serde_json::to_vec(&envelope.to_json()).expect("json");
            appraiser
                .appraise(TeeKind::Tdx, &evidence, &Freshness::Unchecked, None)
                .expect("appraisal")
        };
        for (attributes, configuration) in [
            (TD_SEPT_VE_DISABLE, 2),
            (TD_SEPT_VE_DISABLE | TD_DEBUG, 96),
            // Profiling (a TUD bit): let through with debug, and as debug
            // the policy refuses it.
            (TD_SEPT_VE_DISABLE | 1 << 4, 96),
            (TD_SEPT_VE_DISABLE | TD_MIGRATABLE, 96),
            (0, 96),
        ] {
            let a = appraise(attributes);
            let checks = &a.verified.checks;
            for name in [CheckName::Collateral, CheckName::QeIdentity, CheckName::Tcb] {
                assert_eq!(
                    checks[&name],
                    Check::Ok,
                    "{attributes:#x} {name}: {checks:?}"
                );
            }
            let refused = attributes & TD_MIGRATABLE != 0 || attributes & TD_SEPT_VE_DISABLE == 0;
            assert_eq!(
                checks[&CheckName::TdAttributes].is_ok(),
                !refused,
                "{attributes:#x}: {checks:?}"
            );
            assert_eq!(
                a.trust_vector["configuration"], configuration,
                "{attributes:#x}"
            );
        }
    }

    #[test]
    fn dcap_refusals_are_filed_under_the_check_they_belong_to() {
        for (message, check) in [
            ("TCBInfo expired", CheckName::Collateral),
            ("QE Identity expired", CheckName::Collateral),
            (
                "Signature is invalid for qe_identity in quote_collateral",
                CheckName::Collateral,
            ),
            (
                "QE MRSIGNER mismatch: expected 00, got 01",
                CheckName::QeIdentity,
            ),
            (
                "QE ISVSVN 1 is below minimum required 2 from QE Identity",
                CheckName::QeIdentity,
            ),
            ("No matching TCB level found", CheckName::Tcb),
            ("Fmspc mismatch", CheckName::Tcb),
            ("TCB status is invalid: Revoked", CheckName::Tcb),
            ("Failed to parse CRL: bad", CheckName::Collateral),
            ("SEPT_VE_DISABLE is not enabled", CheckName::TdAttributes),
            ("TD migration is enabled", CheckName::TdAttributes),
            (
                "Reserved bits in TD attributes are set",
                CheckName::TdAttributes,
            ),
            ("Invalid MR service TD", CheckName::TdAttributes),
        ] {
            assert_eq!(classify(message), check, "{message}");
        }
    }
}
