//! AMD SEV-SNP: the shared Milan vector (virtee `sev`'s test data).

use proptest::prelude::*;
use secgear_attest::collateral::{CollateralItem, CollateralKind, CollateralStore};
use secgear_attest::envelope::{Envelope, certificates};
use secgear_attest::verifiers::snp::SnpVerifier;
use secgear_attest::{Check, CheckName, Context, Freshness, TrustAnchors, Verified, Verifier};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

fn report() -> Vec<u8> {
    hex::decode(
        String::from_utf8(data("snp/report_milan.hex"))
            .expect("text")
            .trim(),
    )
    .expect("hex")
}

fn vcek() -> Vec<u8> {
    data("snp/vcek_milan.der")
}

/// 2026-01-01: inside the VCEK's validity (2023-04-03 – 2030-04-03T19:23:43Z).
const AT: i64 = 1_767_225_600;
const VCEK_NOT_AFTER: i64 = 1_901_474_623;

/// The report with its VCEK (and, optionally, the KDS chain) beside it.
fn with_chain(report: &[u8], chain: bool) -> Vec<u8> {
    let mut certs = vec![vcek()];
    if chain {
        certs.extend(certificates(&data("snp/cert_chain_milan")).expect("chain"));
    }
    let envelope = Envelope {
        evidence: report.to_vec(),
        cert_chain: certs,
        ..Envelope::default()
    };
    serde_json::to_vec(&envelope.to_json()).expect("json")
}

fn verify(evidence: &[u8], anchors: &TrustAnchors, now: i64) -> Verified {
    SnpVerifier
        .verify(evidence, &Freshness::Unchecked, &Context::at(anchors, now))
        .expect("well-formed")
}

fn check(v: &Verified, name: CheckName) -> &Check {
    v.checks.get(&name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn the_milan_report_verifies_through_the_built_in_roots_with_or_without_the_kds_chain() {
    for chain in [false, true] {
        let v = verify(&with_chain(&report(), chain), &TrustAnchors::default(), AT);
        for name in [
            CheckName::Collateral,
            CheckName::Endorsement,
            CheckName::Signature,
            CheckName::Tcb,
        ] {
            assert_eq!(check(&v, name), &Check::Ok, "{name}: {:?}", v.checks);
        }
        assert!(v.all_ok());
        let c = &v.claims;
        assert_eq!(c["signing_key"], "vcek");
        assert_eq!(c["measurement"].as_str().map(str::len), Some(96));
        assert_eq!(c["chip_id"].as_str().map(str::len), Some(128));
        assert!(c["policy"]["debug"].is_boolean() && c["policy"]["smt"].is_boolean());
        assert!(c["policy"]["migrate_ma"].is_boolean() && c["vmpl"].is_u64());
        // reported_tcb 0300000000000873: boot loader 3, TEE 0, SNP 8, microcode 115.
        assert_eq!(c["reported_tcb"]["bootloader"], 3);
        assert_eq!(c["reported_tcb"]["snp"], 8);
        assert_eq!(c["reported_tcb"]["microcode"], 115);
    }
}

#[test]
fn a_stored_vcek_serves_a_bare_report_and_a_missing_one_fails_the_collateral_check() {
    let anchors = TrustAnchors::default();
    let bare = report();
    let v = verify(&bare, &anchors, AT);
    match check(&v, CheckName::Collateral) {
        Check::Failed(why) => assert!(why.contains("no VCEK for chip"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(!v.all_ok());
    let mut store = CollateralStore::default();
    store
        .put(CollateralItem::parse(CollateralKind::Amd, &vcek()).expect("vcek"))
        .expect("put");
    let v = SnpVerifier
        .verify(
            &bare,
            &Freshness::Unchecked,
            &Context::at(&anchors, AT).with_collateral(&store),
        )
        .expect("ok");
    assert!(v.all_ok(), "{:?}", v.checks);
}

#[test]
fn the_report_is_refused_under_the_wrong_root_and_after_the_vcek_expires() {
    let mut genoa = TrustAnchors::empty();
    genoa.snp = certificates(include_bytes!("../roots/amd/genoa-ark.pem")).expect("genoa");
    let v = verify(&with_chain(&report(), true), &genoa, AT);
    assert!(matches!(
        check(&v, CheckName::Endorsement),
        Check::Failed(_)
    ));
    assert_eq!(check(&v, CheckName::Signature), &Check::Ok);
    let none = verify(&with_chain(&report(), true), &TrustAnchors::empty(), AT);
    assert!(matches!(
        check(&none, CheckName::Endorsement),
        Check::Failed(_)
    ));
    let anchors = TrustAnchors::default();
    assert!(verify(&with_chain(&report(), true), &anchors, VCEK_NOT_AFTER).all_ok());
    let late = verify(&with_chain(&report(), true), &anchors, VCEK_NOT_AFTER + 1);
    match check(&late, CheckName::Endorsement) {
        Check::Failed(why) => assert!(why.contains("not valid at this time"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_vcek_for_another_tcb_fails_the_tcb_check() {
    // Change the report's reported_tcb (offset 0x180) — and re-sign? No:
    // the signature then fails too, but the TCB check must name the mismatch.
    let mut changed = report();
    changed[0x180] ^= 0x01;
    let v = verify(&with_chain(&changed, false), &TrustAnchors::default(), AT);
    match check(&v, CheckName::Tcb) {
        Check::Failed(why) => assert!(why.contains("boot loader"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(check(&v, CheckName::Signature), Check::Failed(_)));
}

#[test]
fn every_single_byte_flip_of_the_signed_part_is_refused() {
    let anchors = TrustAnchors::default();
    let original = report();
    for i in 0..0x2A0 {
        let mut changed = original.clone();
        changed[i] ^= 0x01;
        match SnpVerifier.verify(
            &with_chain(&changed, false),
            &Freshness::Unchecked,
            &Context::at(&anchors, AT),
        ) {
            Err(_) => {}
            Ok(v) => assert!(!v.all_ok(), "flip at {i:#x} accepted"),
        }
    }
    // And of the signature itself, its zero padding included.
    for i in 0x2A0..0x2A0 + 144 {
        let mut changed = original.clone();
        changed[i] ^= 0x01;
        let v = verify(&with_chain(&changed, false), &anchors, AT);
        assert!(
            matches!(check(&v, CheckName::Signature), Check::Failed(_)),
            "{i:#x}"
        );
    }
}

#[test]
fn the_report_data_is_the_challenge() {
    let anchors = TrustAnchors::default();
    let evidence = with_chain(&report(), false);
    let v = verify(&evidence, &anchors, AT);
    let data = hex::decode(v.claims["report_data"].as_str().expect("hex")).expect("hex");
    let fresh = SnpVerifier
        .verify(
            &evidence,
            &Freshness::Challenge(data),
            &Context::at(&anchors, AT),
        )
        .expect("ok");
    assert_eq!(check(&fresh, CheckName::Freshness), &Check::Ok);
    let stale = SnpVerifier
        .verify(
            &evidence,
            &Freshness::Challenge(vec![0xee; 64]),
            &Context::at(&anchors, AT),
        )
        .expect("ok");
    assert!(matches!(
        check(&stale, CheckName::Freshness),
        Check::Failed(_)
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn truncated_or_random_reports_never_panic(cut in 0usize..1184, noise in proptest::collection::vec(any::<u8>(), 0..1400), at in 0usize..1184, byte in any::<u8>()) {
        let anchors = TrustAnchors::default();
        let context = Context::at(&anchors, AT);
        let original = report();
        let _ = SnpVerifier.verify(&original[..cut], &Freshness::Unchecked, &context);
        let _ = SnpVerifier.verify(&noise, &Freshness::Unchecked, &context);
        let mut changed = original.clone();
        changed[at] = byte;
        let _ = SnpVerifier.verify(&changed, &Freshness::Unchecked, &context);
        let _ = SnpVerifier.verify(&with_chain(&changed, true), &Freshness::Unchecked, &context);
    }
}

#[test]
fn a_report_with_its_certificate_table_verifies_and_a_broken_table_is_malformed() {
    use secgear_attest::verifiers::snp::{certificate_table, encode_certificate_table};
    let chain = certificates(&data("snp/cert_chain_milan")).expect("chain");
    // cert_chain_milan is ASK then ARK, as KDS serves it.
    let table = encode_certificate_table(&vcek(), Some(&chain[0]), Some(&chain[1]));
    let parsed = certificate_table(&table).expect("table");
    assert_eq!(parsed[0], vcek());
    let evidence = serde_json::to_vec(&serde_json::json!({
        "evidence": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, report()),
        "cert_table": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &table),
    }))
    .expect("json");
    assert!(verify(&evidence, &TrustAnchors::default(), AT).all_ok());
    for cut in [0, 10, 24, 47, table.len() - 1] {
        assert!(certificate_table(&table[..cut]).is_err(), "cut at {cut}");
    }
}
