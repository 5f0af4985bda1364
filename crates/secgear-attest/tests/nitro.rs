//! AWS Nitro Enclaves: the shared attestation document (evervault's suite).

use proptest::prelude::*;
use secgear_attest::envelope::certificates;
use secgear_attest::verifiers::nitro::NitroVerifier;
use secgear_attest::{Check, CheckName, Context, Freshness, TrustAnchors, Verified, Verifier};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

fn document() -> Vec<u8> {
    let text = String::from_utf8(data("nitro/valid-attestation-doc-base64")).expect("text");
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text.trim()).expect("b64")
}

fn nitro_root() -> TrustAnchors {
    let mut anchors = TrustAnchors::empty();
    anchors.nitro = certificates(&data("nitro/aws-nitro-root.pem")).expect("root");
    anchors
}

/// The document's time, 2023-09-18T15:03:30Z; its leaf lives 14:37:09–17:37:12Z.
const AT: i64 = 1_695_049_410;
const LEAF_NOT_AFTER: i64 = 1_695_058_632;

fn verify(doc: &[u8], anchors: &TrustAnchors, now: i64) -> Verified {
    NitroVerifier
        .verify(doc, &Freshness::Unchecked, &Context::at(anchors, now))
        .expect("well-formed")
}

fn check(v: &Verified, name: CheckName) -> &Check {
    v.checks.get(&name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn the_reference_document_is_valid_with_its_debug_mode_pcrs() {
    let v = verify(&document(), &nitro_root(), AT);
    assert_eq!(
        check(&v, CheckName::Signature),
        &Check::Ok,
        "{:?}",
        v.checks
    );
    assert_eq!(
        check(&v, CheckName::Endorsement),
        &Check::Ok,
        "{:?}",
        v.checks
    );
    assert!(v.all_ok());
    // The reference suite's expectation: PCRs 0, 1, 2 all zero (debug mode).
    let spec: serde_json::Value =
        serde_json::from_slice(&data("nitro/valid_attestation_doc_ga.spec.json")).expect("spec");
    for (name, value) in spec["pcrs"].as_object().expect("pcrs") {
        let index = name.trim_start_matches("pcr");
        assert_eq!(&v.claims["pcrs"][index], value, "{name}");
    }
    assert_eq!(v.claims["digest"], "SHA384");
    assert!(
        v.claims["module_id"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(
        v.claims["timestamp"].as_u64().map(|t| t / 1000),
        Some(AT as u64)
    );
}

#[test]
fn the_document_is_refused_under_the_wrong_root_and_after_its_leaf_expires() {
    let mut wrong = TrustAnchors::empty();
    wrong.nitro = certificates(&data("snp/milan-ark.pem")).expect("ark");
    let v = verify(&document(), &wrong, AT);
    assert!(matches!(
        check(&v, CheckName::Endorsement),
        Check::Failed(_)
    ));
    assert_eq!(check(&v, CheckName::Signature), &Check::Ok);
    assert!(verify(&document(), &nitro_root(), LEAF_NOT_AFTER).all_ok());
    let late = verify(&document(), &nitro_root(), LEAF_NOT_AFTER + 1);
    match check(&late, CheckName::Endorsement) {
        Check::Failed(why) => assert!(why.contains("appraisal time"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_single_byte_flip_of_the_signed_document_is_refused() {
    let original = document();
    let anchors = nitro_root();
    for i in 0..original.len() {
        let mut changed = original.clone();
        changed[i] ^= 0x01;
        match NitroVerifier.verify(&changed, &Freshness::Unchecked, &Context::at(&anchors, AT)) {
            Err(_) => {}
            Ok(v) => assert!(!v.all_ok(), "flip at {i} accepted"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn truncated_or_random_documents_never_panic(cut in 0usize..5000, noise in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let anchors = nitro_root();
        let context = Context::at(&anchors, AT);
        let original = document();
        let cut = cut.min(original.len());
        let _ = NitroVerifier.verify(&original[..cut], &Freshness::Unchecked, &context);
        let _ = NitroVerifier.verify(&noise, &Freshness::Unchecked, &context);
    }
}
