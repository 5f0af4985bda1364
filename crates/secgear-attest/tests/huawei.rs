//! virtCCA and iTrustee evidence from openEuler: every verdict in VECTORS.md.

use base64::Engine as _;
use proptest::prelude::*;
use secgear_attest::Context;
use secgear_attest::policy::Status;
use secgear_attest::reference::ReferenceValue;
use secgear_attest::verifiers::itrustee::ItrusteeVerifier;
use secgear_attest::verifiers::virtcca::VirtccaVerifier;
use secgear_attest::{
    Appraiser, Check, CheckName, Freshness, Mode, ReferenceValues, TeeKind, TrustAnchors, Verifier,
};
use serde_json::json;
use std::path::PathBuf;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(path),
    )
    .expect(path)
}

fn virtcca_evidence() -> Vec<u8> {
    let token = String::from_utf8(data("virtcca/virtcca-token.hex")).expect("hex text");
    let cert =
        base64::engine::general_purpose::STANDARD.encode(data("virtcca/virtcca-aik-cert.der"));
    serde_json::to_vec(&json!({"token": token.trim(), "device_certificate": cert})).expect("json")
}

fn huawei_anchors() -> TrustAnchors {
    let mut a = TrustAnchors::default();
    a.load(TeeKind::Virtcca, &data("virtcca/huawei-it-product-ca.pem"))
        .expect("ca");
    a.load(
        TeeKind::Virtcca,
        &data("virtcca/huawei-equipment-root-ca.pem"),
    )
    .expect("root");
    a.load(
        TeeKind::Itrustee,
        &data("itrustee/huawei-it-product-ca.pem"),
    )
    .expect("ca");
    a
}

const RIM: &str = "7309ec52e2870938ffa6930793d61e55ab982a756111410829d6073f66c71708";

#[test]
fn virtcca_signature_valid_but_key_not_endorsed() {
    let v = VirtccaVerifier
        .verify(
            &virtcca_evidence(),
            &Freshness::Unchecked,
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    assert!(v.checks[&CheckName::Signature].is_ok(), "{:?}", v.checks);
    assert!(
        v.checks[&CheckName::DeviceCertificate].is_ok(),
        "the AIK certificate chains to the Huawei CAs: {:?}",
        v.checks
    );
    let Check::Failed(why) = &v.checks[&CheckName::Endorsement] else {
        panic!("{:?}", v.checks)
    };
    assert!(why.contains("not endorsed"), "{why}");
    assert_eq!(v.claims["rim"], json!(RIM));
    // The token alone (hex text) decodes too; the device is then unchecked.
    let bare = VirtccaVerifier
        .verify(
            &data("virtcca/virtcca-token.hex"),
            &Freshness::Unchecked,
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    assert!(matches!(
        bare.checks[&CheckName::DeviceCertificate],
        Check::NotChecked(_)
    ));
}

#[test]
fn virtcca_default_policy_does_not_affirm_an_unendorsed_key() {
    let mut refs = ReferenceValues::new();
    refs.add(ReferenceValue::new("virtcca.rim", json!(RIM)))
        .expect("ref");
    let mut appraiser = Appraiser::new(huawei_anchors(), refs, Mode::Production);
    let a = appraiser
        .appraise(
            TeeKind::Virtcca,
            &virtcca_evidence(),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(a.trust_vector["executables"], 2, "RIM matches");
    assert_eq!(a.status, Status::Contraindicated, "{:?}", a.trust_vector);
    // A policy decision to allow unendorsed CVM keys lowers it to a warning, never affirming.
    appraiser.policy_data = json!({"allow_unendorsed_cvm_key": true});
    let a = appraiser
        .appraise(
            TeeKind::Virtcca,
            &virtcca_evidence(),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(a.status, Status::Warning, "{:?}", a.trust_vector);
}

#[test]
fn virtcca_without_anchors_the_device_is_not_trusted() {
    let v = VirtccaVerifier
        .verify(
            &virtcca_evidence(),
            &Freshness::Unchecked,
            &Context::now(&TrustAnchors::default()),
        )
        .expect("decodes");
    assert!(!v.checks[&CheckName::DeviceCertificate].is_ok());
}

#[test]
fn itrustee_sce_no_as_verifies_and_chains_to_the_it_product_ca() {
    let v = ItrusteeVerifier
        .verify(
            &data("itrustee/report-sce-no-as.json"),
            &Freshness::Unchecked,
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    assert!(
        v.checks[&CheckName::Signature].is_ok() && v.checks[&CheckName::Endorsement].is_ok(),
        "{:?}",
        v.checks
    );
    assert_eq!(
        v.claims["uuid"],
        json!("e08f7eca-e875-440e-9ab0-5f381136c600")
    );
    let nonce = secgear_attest::encoding::b64url_decode(
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5_gA",
    )
    .expect("b64");
    let fresh = ItrusteeVerifier
        .verify(
            &data("itrustee/report-sce-no-as.json"),
            &Freshness::Challenge(nonce),
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    assert!(fresh.checks[&CheckName::Freshness].is_ok());
    let stale = ItrusteeVerifier
        .verify(
            &data("itrustee/report-sce-no-as.json"),
            &Freshness::Challenge(vec![1; 8]),
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    assert!(!stale.checks[&CheckName::Freshness].is_ok());
    // Appraisal with the TA image reference affirms.
    let mut refs = ReferenceValues::new();
    let img = hex::encode(
        secgear_attest::encoding::b64url_decode("FaOPRQvji8yNYvo1K8XDMDXXK2lkwiegprur8djeKgc")
            .expect("b64"),
    );
    refs.add(ReferenceValue::new("itrustee.ta_img", json!(img)))
        .expect("ref");
    let appraiser = Appraiser::new(huawei_anchors(), refs, Mode::Production);
    let a = appraiser
        .appraise(
            TeeKind::Itrustee,
            &data("itrustee/report-sce-no-as.json"),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(a.status, Status::Affirming, "{:?}", a.trust_vector);
}

#[test]
fn itrustee_sce_as_no_daa_is_refused_without_an_attestation_service_root() {
    let v = ItrusteeVerifier
        .verify(
            &data("itrustee/report-sce-as-no-daa.json"),
            &Freshness::Unchecked,
            &Context::now(&huawei_anchors()),
        )
        .expect("decodes");
    let Check::Failed(why) = &v.checks[&CheckName::Endorsement] else {
        panic!("{:?}", v.checks)
    };
    assert!(why.contains("no attestation-service root"), "{why}");
}

#[test]
fn itrustee_daa_scenario_is_refused_clearly() {
    let err = ItrusteeVerifier
        .verify(
            &data("itrustee/report-sce-as-with-daa.json"),
            &Freshness::Unchecked,
            &Context::now(&huawei_anchors()),
        )
        .expect_err("DAA");
    assert!(err.to_string().contains("sce_as_with_daa"), "{err}");
}

#[test]
fn every_byte_flip_in_the_signed_parts_changes_the_itrustee_verdict() {
    let report = data("itrustee/report-sce-no-as.json");
    let anchors = huawei_anchors();
    let text = String::from_utf8(report.clone()).expect("utf8");
    // The signed parts are the values inside the `payload`s, the signatures
    // and the certificate; `handler` values are not signed, so skip them.
    let unsigned: Vec<std::ops::Range<usize>> = text
        .match_indices("\"handler\"")
        .map(|(at, _)| {
            at..text[at..]
                .find(',')
                .map_or(text.len(), |end| at + end)
                .min(text[at..].find('}').map_or(text.len(), |end| at + end))
        })
        .collect();
    let mut checked = 0;
    for (i, c) in text.char_indices() {
        if !c.is_ascii_alphanumeric() || unsigned.iter().any(|r| r.contains(&i)) {
            continue;
        }
        let mut bad = report.clone();
        bad[i] = if c == 'A' { b'B' } else { b'A' };
        match ItrusteeVerifier.verify(&bad, &Freshness::Unchecked, &Context::now(&anchors)) {
            Err(_) => {}
            Ok(v) => {
                let same_keys = serde_json::from_slice::<serde_json::Value>(&bad).is_ok();
                assert!(!v.all_ok() || !same_keys, "flip at {i} accepted");
            }
        }
        checked += 1;
    }
    assert!(checked > 1000);
}

#[test]
fn every_byte_flip_changes_the_virtcca_verdict() {
    let token = hex::decode(
        String::from_utf8(data("virtcca/virtcca-token.hex"))
            .expect("text")
            .trim(),
    )
    .expect("hex");
    let anchors = huawei_anchors();
    for i in 0..token.len() {
        let mut bad = token.clone();
        bad[i] ^= 0x01;
        if let Ok(v) = VirtccaVerifier.verify(&bad, &Freshness::Unchecked, &Context::now(&anchors))
        {
            assert!(
                !v.checks[&CheckName::Signature].is_ok(),
                "flip at {i} kept a valid signature"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn truncations_and_random_bytes_never_panic(cut in 0usize..12000, bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let anchors = huawei_anchors();
        let report = data("itrustee/report-sce-no-as.json");
        let _ = ItrusteeVerifier.verify(&report[..cut.min(report.len())], &Freshness::Unchecked, &Context::now(&anchors));
        let token = hex::decode(String::from_utf8(data("virtcca/virtcca-token.hex")).expect("text").trim()).expect("hex");
        let r = VirtccaVerifier.verify(&token[..cut.min(token.len())], &Freshness::Unchecked, &Context::now(&anchors));
        prop_assert!(cut >= token.len() || r.is_err() || !r.as_ref().is_ok_and(|v| v.checks[&CheckName::Signature].is_ok()));
        let _ = ItrusteeVerifier.verify(&bytes, &Freshness::Unchecked, &Context::now(&anchors));
        let _ = VirtccaVerifier.verify(&bytes, &Freshness::Unchecked, &Context::now(&anchors));
    }
}
