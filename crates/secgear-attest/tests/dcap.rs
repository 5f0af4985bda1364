//! Intel SGX and TDX quotes: the shared vectors (dcap-qvl's samples) give
//! dcap-qvl's verdicts, inside their collateral windows and not outside.

use proptest::prelude::*;
use secgear_attest::collateral::{CollateralItem, CollateralKind, CollateralStore};
use secgear_attest::envelope::Envelope;
use secgear_attest::verifiers::dcap::DcapVerifier;
use secgear_attest::{Check, CheckName, Context, Freshness, TrustAnchors, Verified, Verifier};
use serde_json::json;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

struct Vector {
    verifier: DcapVerifier,
    quote: Vec<u8>,
    collateral: Vec<u8>,
    /// The reference test's appraisal time.
    at: i64,
    window: (i64, i64),
    /// Where the QE report lies in the quote.
    qe_report: std::ops::Range<usize>,
    /// The part the attestation key signs.
    signed: usize,
}

fn sgx() -> Vector {
    Vector {
        verifier: DcapVerifier::sgx(),
        quote: data("sgx/sgx_quote"),
        collateral: data("sgx/sgx_quote_collateral.json"),
        at: 1_752_919_277,
        // 2025-06-19T10:56:11Z – 2025-07-19T10:01:18Z
        window: (1_750_330_571, 1_752_919_278),
        // header 48 + report 384, auth data length 4, signature 64, key 64.
        qe_report: 564..948,
        signed: 432,
    }
}

fn tdx() -> Vector {
    Vector {
        verifier: DcapVerifier::tdx(),
        quote: data("tdx/tdx_quote"),
        collateral: data("tdx/tdx_quote_collateral.json"),
        at: 1_752_919_234,
        // 2025-06-19T10:32:27Z – 2025-07-19T10:00:35Z
        window: (1_750_329_147, 1_752_919_235),
        // header 48 + TD report 584, length 4, signature 64, key 64,
        // certification data type 6 header 6.
        qe_report: 770..1154,
        signed: 632,
    }
}

fn intel_root() -> TrustAnchors {
    let mut anchors = TrustAnchors::empty();
    anchors.intel.push(data("sgx/intel-sgx-root-ca.der"));
    anchors
}

fn store(v: &Vector) -> CollateralStore {
    let mut store = CollateralStore::default();
    store
        .put(CollateralItem::parse(CollateralKind::Intel, &v.collateral).expect("collateral"))
        .expect("put");
    store
}

fn verify_at(v: &Vector, evidence: &[u8], anchors: &TrustAnchors, now: i64) -> Verified {
    let collateral = store(v);
    let context = Context::at(anchors, now).with_collateral(&collateral);
    v.verifier
        .verify(evidence, &Freshness::Unchecked, &context)
        .expect("well-formed")
}

fn result(v: &Verified, name: CheckName) -> &Check {
    v.checks
        .get(&name)
        .unwrap_or_else(|| panic!("no {name} check"))
}

const ALL: [CheckName; 7] = [
    CheckName::Signature,
    CheckName::QeReportSignature,
    CheckName::QeReportBinding,
    CheckName::Endorsement,
    CheckName::Collateral,
    CheckName::QeIdentity,
    CheckName::Tcb,
];

fn assert_all_ok(v: &Verified) {
    for name in ALL {
        assert_eq!(result(v, name), &Check::Ok, "{name}: {:?}", v.checks);
    }
    assert!(matches!(
        result(v, CheckName::Freshness),
        Check::NotChecked(_)
    ));
    assert!(v.all_ok());
}

#[test]
fn the_sgx_vector_needs_configuration_and_sw_hardening_with_its_two_advisories() {
    let v = sgx();
    let verified = verify_at(&v, &v.quote, &intel_root(), v.at);
    assert_all_ok(&verified);
    let c = &verified.claims;
    assert_eq!(c["tcb_status"], "ConfigurationAndSWHardeningNeeded");
    assert_eq!(
        c["advisory_ids"],
        json!(["INTEL-SA-00289", "INTEL-SA-00615"])
    );
    assert_eq!(c["fmspc"], "00a067110000");
    for claim in ["mrenclave", "mrsigner", "report_data"] {
        assert!(c[claim].as_str().is_some_and(|h| !h.is_empty()), "{claim}");
    }
    assert!(c["isvprodid"].is_u64() && c["isvsvn"].is_u64() && c["debug"].is_boolean());
}

#[test]
fn the_tdx_vector_is_up_to_date_without_advisories() {
    let v = tdx();
    let verified = verify_at(&v, &v.quote, &intel_root(), v.at);
    assert_all_ok(&verified);
    let c = &verified.claims;
    assert_eq!(c["tcb_status"], "UpToDate");
    assert_eq!(c["advisory_ids"], json!([]));
    for claim in [
        "mrtd",
        "rtmr0",
        "rtmr1",
        "rtmr2",
        "rtmr3",
        "mrconfigid",
        "mrowner",
        "mrownerconfig",
        "td_attributes",
        "xfam",
        "report_data",
        "tee_tcb_svn",
    ] {
        assert!(c[claim].as_str().is_some_and(|h| !h.is_empty()), "{claim}");
    }
    assert_eq!(c["mrtd"].as_str().map(str::len), Some(96));
}

#[test]
fn collateral_outside_its_window_is_refused_as_expired_or_not_yet_valid() {
    for v in [sgx(), tdx()] {
        let anchors = intel_root();
        // The last second of the window still verifies (at nextUpdate the
        // collateral is stale, as webpki judges CRLs)...
        assert_all_ok(&verify_at(&v, &v.quote, &anchors, v.window.1 - 1));
        assert_all_ok(&verify_at(&v, &v.quote, &anchors, v.window.0));
        // ...at its end and one second after it does not, and says why.
        for at in [v.window.1, v.window.1 + 1] {
            let late = verify_at(&v, &v.quote, &anchors, at);
            match result(&late, CheckName::Collateral) {
                Check::Failed(why) => assert!(why.contains("expired"), "{why}"),
                other => panic!("{other:?}"),
            }
        }
        let late = verify_at(&v, &v.quote, &anchors, v.window.1 + 1);
        assert!(matches!(
            result(&late, CheckName::Tcb),
            Check::NotChecked(_)
        ));
        // The quote itself is still genuine.
        assert_eq!(result(&late, CheckName::Signature), &Check::Ok);
        let early = verify_at(&v, &v.quote, &anchors, v.window.0 - 1);
        match result(&early, CheckName::Collateral) {
            Check::Failed(why) => assert!(why.contains("not yet valid"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_quote_is_refused_under_the_wrong_root_or_without_one() {
    for v in [sgx(), tdx()] {
        let mut wrong = TrustAnchors::empty();
        // A real root, of another vendor.
        wrong.intel =
            secgear_attest::envelope::certificates(&data("snp/milan-ark.pem")).expect("ark");
        let verified = verify_at(&v, &v.quote, &wrong, v.at);
        assert!(matches!(
            result(&verified, CheckName::Endorsement),
            Check::Failed(_)
        ));
        assert!(matches!(
            result(&verified, CheckName::Tcb),
            Check::NotChecked(_)
        ));
        assert_eq!(result(&verified, CheckName::Signature), &Check::Ok);
        assert!(!verified.all_ok());
        let none = verify_at(&v, &v.quote, &TrustAnchors::empty(), v.at);
        match result(&none, CheckName::Endorsement) {
            Check::Failed(why) => assert!(why.contains("no Intel SGX Root CA"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn without_collateral_the_collateral_check_fails_and_names_what_is_missing() {
    let v = sgx();
    let anchors = intel_root();
    let context = Context::at(&anchors, v.at);
    let verified = v
        .verifier
        .verify(&v.quote, &Freshness::Unchecked, &context)
        .expect("well-formed");
    match result(&verified, CheckName::Collateral) {
        Check::Failed(why) => assert!(why.contains("no collateral for sgx/00a067110000"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Collateral carried in the evidence serves as well as stored collateral.
    let envelope = Envelope {
        evidence: v.quote.clone(),
        collateral: Some(
            secgear_attest::collateral::IntelCollateral::from_json(&v.collateral).expect("c"),
        ),
        ..Envelope::default()
    };
    let carried = serde_json::to_vec(&envelope.to_json()).expect("json");
    let verified = v
        .verifier
        .verify(&carried, &Freshness::Unchecked, &context)
        .expect("well-formed");
    assert_all_ok(&verified);
}

#[test]
fn collateral_for_another_fmspc_or_tee_does_not_serve() {
    // The TDX collateral is for another FMSPC and TEE: the SGX quote finds none.
    let v = sgx();
    let anchors = intel_root();
    let tdx_store = store(&tdx());
    let context = Context::at(&anchors, v.at).with_collateral(&tdx_store);
    let verified = v
        .verifier
        .verify(&v.quote, &Freshness::Unchecked, &context)
        .expect("well-formed");
    assert!(matches!(
        result(&verified, CheckName::Collateral),
        Check::Failed(_)
    ));
}

#[test]
fn a_quote_of_the_other_tee_is_malformed_evidence() {
    let anchors = intel_root();
    let context = Context::at(&anchors, 0);
    assert!(
        DcapVerifier::tdx()
            .verify(&sgx().quote, &Freshness::Unchecked, &context)
            .is_err()
    );
    assert!(
        DcapVerifier::sgx()
            .verify(&tdx().quote, &Freshness::Unchecked, &context)
            .is_err()
    );
}

#[test]
fn the_report_data_is_checked_against_the_challenge() {
    let v = sgx();
    let anchors = intel_root();
    let collateral = store(&v);
    let context = Context::at(&anchors, v.at).with_collateral(&collateral);
    let verified = verify_at(&v, &v.quote, &anchors, v.at);
    let report_data =
        hex::decode(verified.claims["report_data"].as_str().expect("hex")).expect("hex");
    let fresh = v
        .verifier
        .verify(&v.quote, &Freshness::Challenge(report_data), &context)
        .expect("ok");
    assert_eq!(result(&fresh, CheckName::Freshness), &Check::Ok);
    let stale = v
        .verifier
        .verify(&v.quote, &Freshness::Challenge(vec![0x5a; 32]), &context)
        .expect("ok");
    assert!(matches!(
        result(&stale, CheckName::Freshness),
        Check::Failed(_)
    ));
}

/// Whether a changed quote is refused: malformed, or some check failed.
fn refused(v: &Vector, quote: &[u8], anchors: &TrustAnchors) -> bool {
    let collateral = store(v);
    let context = Context::at(anchors, v.at).with_collateral(&collateral);
    match v.verifier.verify(quote, &Freshness::Unchecked, &context) {
        Err(_) => true,
        Ok(verified) => !verified.all_ok(),
    }
}

#[test]
fn every_single_byte_flip_of_a_signed_region_is_refused() {
    for v in [sgx(), tdx()] {
        let anchors = intel_root();
        let regions = [0..v.signed, v.qe_report.clone()];
        for region in regions {
            for i in region {
                let mut quote = v.quote.clone();
                quote[i] ^= 0x01;
                assert!(refused(&v, &quote, &anchors), "flip at {i} accepted");
            }
        }
        // The attestation key, which the QE report binds.
        let key = v.signed + 4 + 64..v.signed + 4 + 128;
        for i in key {
            let mut quote = v.quote.clone();
            quote[i] ^= 0x80;
            assert!(refused(&v, &quote, &anchors), "key flip at {i} accepted");
        }
    }
}

#[test]
fn a_flip_in_signed_collateral_is_refused() {
    let v = sgx();
    let anchors = intel_root();
    let original: serde_json::Value = serde_json::from_slice(&v.collateral).expect("json");
    let tcb_info = original["tcb_info"].as_str().expect("text").to_owned();
    // Every 11th byte of the TCB info body (a flip anywhere breaks the
    // JSON, the dates, or Intel's signature).
    for i in (0..tcb_info.len()).step_by(11) {
        let mut bytes = tcb_info.clone().into_bytes();
        bytes[i] ^= 0x01;
        let Ok(changed) = String::from_utf8(bytes) else {
            continue;
        };
        let mut collateral = original.clone();
        collateral["tcb_info"] = changed.into();
        let envelope = json!({
            "evidence": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &v.quote),
            "collateral": collateral,
        });
        let context = Context::at(&anchors, v.at);
        let outcome = v.verifier.verify(
            &serde_json::to_vec(&envelope).expect("json"),
            &Freshness::Unchecked,
            &context,
        );
        assert!(
            outcome.as_ref().map_or(true, |verified| !verified.all_ok()),
            "flip at {i} of tcb_info accepted"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_or_random_quotes_never_panic(cut in 0usize..5006, noise in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let anchors = intel_root();
        for v in [sgx(), tdx()] {
            let collateral = store(&v);
            let context = Context::at(&anchors, v.at).with_collateral(&collateral);
            let cut = cut.min(v.quote.len());
            let _ = v.verifier.verify(&v.quote[..cut], &Freshness::Unchecked, &context);
            let _ = v.verifier.verify(&noise, &Freshness::Unchecked, &context);
            let mut spliced = v.quote[..cut].to_vec();
            spliced.extend_from_slice(&noise);
            let _ = v.verifier.verify(&spliced, &Freshness::Unchecked, &context);
        }
    }
}

#[test]
fn current_stored_collateral_wins_over_collateral_the_evidence_brings() {
    // The evidence brings collateral for another platform; the operator's
    // current collateral for this one is used, so nothing can be rolled back.
    let v = sgx();
    let other =
        secgear_attest::collateral::IntelCollateral::from_json(&tdx().collateral).expect("c");
    let envelope = Envelope {
        evidence: v.quote.clone(),
        collateral: Some(other),
        ..Envelope::default()
    };
    let carried = serde_json::to_vec(&envelope.to_json()).expect("json");
    assert_all_ok(&verify_at(&v, &carried, &intel_root(), v.at));
    // Without stored collateral, the evidence's own is judged (and refused).
    let anchors = intel_root();
    let bare = v
        .verifier
        .verify(
            &carried,
            &Freshness::Unchecked,
            &Context::at(&anchors, v.at),
        )
        .expect("well-formed");
    assert!(!bare.all_ok());
}
