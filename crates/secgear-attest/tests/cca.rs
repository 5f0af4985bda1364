//! Arm CCA tokens from veraison rust-ccatoken: every verdict in VECTORS.md.

use proptest::prelude::*;
use secgear_attest::Context;
use secgear_attest::policy::Status;
use secgear_attest::verifiers::cca::{CcaVerifier, decode_platform_claims, decode_realm_claims};
use secgear_attest::{
    Appraiser, CheckName, Freshness, Mode, ReferenceValues, TeeKind, TrustAnchors, Verifier,
};
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/cca")
            .join(name),
    )
    .expect(name)
}

fn anchors(file: &str) -> TrustAnchors {
    let mut a = TrustAnchors::default();
    a.load(TeeKind::Cca, &data(file)).expect("anchors");
    a
}

fn verify(token: &str, ta: &str) -> secgear_attest::Verified {
    CcaVerifier::default()
        .verify(
            &data(token),
            &Freshness::Unchecked,
            &Context::now(&anchors(ta)),
        )
        .expect("decodes")
}

fn ok(v: &secgear_attest::Verified, check: CheckName) -> bool {
    v.checks[&check].is_ok()
}

#[test]
fn token_01_verifies_and_appraises_against_rv_json() {
    for ta in ["ta-tfa.json", "cpak.json"] {
        let v = verify("cca-token-01.cbor", ta);
        assert!(
            ok(&v, CheckName::PlatformSignature) && ok(&v, CheckName::PlatformEndorsement),
            "{ta}: {:?}",
            v.checks
        );
        assert!(
            ok(&v, CheckName::RealmSignature) && ok(&v, CheckName::RealmBinding),
            "{ta}: {:?}",
            v.checks
        );
    }
    let mut refs = ReferenceValues::new();
    refs.import_json(std::str::from_utf8(&data("rv.json")).expect("utf8"))
        .expect("rv.json");
    let appraiser = Appraiser::new(anchors("ta-tfa.json"), refs, Mode::Production);
    let a = appraiser
        .appraise(
            TeeKind::Cca,
            &data("cca-token-01.cbor"),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(a.status, Status::Affirming, "{:?}", a.trust_vector);
    // Without the reference values the same token is not affirmed.
    let bare = Appraiser::new(
        anchors("ta-tfa.json"),
        ReferenceValues::new(),
        Mode::Production,
    );
    let a = bare
        .appraise(
            TeeKind::Cca,
            &data("cca-token-01.cbor"),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_ne!(a.status, Status::Affirming);
}

#[test]
fn token_02_platform_trustworthy_with_the_good_key_and_not_with_the_bad() {
    let good = verify("cca-token-02.cbor", "ta-02-ok.json");
    assert!(ok(&good, CheckName::PlatformSignature), "{:?}", good.checks);
    let bad = verify("cca-token-02.cbor", "ta-02-bad.json");
    assert!(!ok(&bad, CheckName::PlatformSignature), "{:?}", bad.checks);
    assert!(
        matches!(
            bad.checks[&CheckName::RealmSignature],
            secgear_attest::Check::NotChecked(_)
        ),
        "realm not evaluated"
    );
}

/// The vector's note says its realm "signature is bad": the COSE signature
/// does verify with the RAK the realm token carries, but the platform
/// challenge is not that RAK's hash, so nothing ties the realm to the
/// platform and realm validation fails, as rust-ccatoken reports.
#[test]
fn bug_33_realm_validation_fails() {
    let v = verify("bug-33-repro.cbor", "ta-tfa.json");
    assert!(ok(&v, CheckName::PlatformSignature), "{:?}", v.checks);
    assert!(!ok(&v, CheckName::RealmBinding), "{:?}", v.checks);
    assert!(!v.all_ok());
    let appraiser = Appraiser::new(
        anchors("ta-tfa.json"),
        ReferenceValues::new(),
        Mode::Production,
    );
    let a = appraiser
        .appraise(
            TeeKind::Cca,
            &data("bug-33-repro.cbor"),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(a.trust_vector["instance-identity"], 96);
    assert_eq!(a.status, Status::Contraindicated);
}

#[test]
fn draft_ffm_profile_both_trustworthy() {
    let v = verify("cca-token-draft-ffm-00.cbor", "ta-tfa.json");
    assert!(v.all_ok(), "{:?}", v.checks);
    assert_eq!(v.claims["realm"]["profile"], "tag:arm.com,2023:realm#1.0.0");
}

#[test]
fn claim_sets_decode_and_missing_mandatory_claims_are_refused() {
    decode_platform_claims(&data("platform-claims.cbor")).expect("platform claims");
    decode_realm_claims(&data("realm-claims.cbor")).expect("realm claims");
    decode_realm_claims(&data("realm-claims+spurious-numeric-key.cbor"))
        .expect("unknown numeric key ignored");
    decode_realm_claims(&data("realm-claims+spurious-text-key.cbor"))
        .expect("unknown text key ignored");
    let err = decode_realm_claims(&data("realm-claims-missing-challenge.cbor"))
        .expect_err("missing challenge");
    assert!(
        err.to_string().contains("mandatory claim challenge"),
        "{err}"
    );
}

#[test]
fn freshness_mismatch_is_reported() {
    let v = CcaVerifier::default()
        .verify(
            &data("cca-token-01.cbor"),
            &Freshness::Challenge(vec![0xab; 64]),
            &Context::now(&anchors("ta-tfa.json")),
        )
        .expect("decodes");
    assert!(
        ok(&v, CheckName::Freshness),
        "token-01's realm challenge is 0xab repeated"
    );
    let v = CcaVerifier::default()
        .verify(
            &data("cca-token-01.cbor"),
            &Freshness::Challenge(vec![1; 64]),
            &Context::now(&anchors("ta-tfa.json")),
        )
        .expect("decodes");
    assert!(!ok(&v, CheckName::Freshness));
}

#[test]
fn no_anchor_for_the_platform_is_not_endorsed() {
    let v = verify("cca-token-01.cbor", "ta-02-ok.json");
    assert!(!ok(&v, CheckName::PlatformEndorsement), "{:?}", v.checks);
}

#[test]
fn every_byte_flip_changes_the_verdict() {
    let token = data("cca-token-draft-ffm-00.cbor");
    let anchors = anchors("ta-tfa.json");
    let verifier = CcaVerifier::default();
    let baseline = verifier
        .verify(&token, &Freshness::Unchecked, &Context::now(&anchors))
        .expect("ok");
    assert!(baseline.all_ok());
    for i in 0..token.len() {
        let mut bad = token.clone();
        bad[i] ^= 0x01;
        match verifier.verify(&bad, &Freshness::Unchecked, &Context::now(&anchors)) {
            Err(_) => {}
            Ok(v) => assert!(
                !v.all_ok() || v.claims != baseline.claims,
                "flip at byte {i} of {} accepted unchanged",
                token.len()
            ),
        }
    }
}

#[test]
fn a_changed_platform_token_is_never_served_from_the_cache() {
    let verifier = CcaVerifier::default();
    let anchors = anchors("ta-tfa.json");
    let token = data("cca-token-01.cbor");
    assert!(
        verifier
            .verify(&token, &Freshness::Unchecked, &Context::now(&anchors))
            .expect("ok")
            .all_ok()
    );
    assert_eq!(verifier.cached_platforms(), 1);
    // Flip one byte of the platform signature (the end of the platform COSE_Sign1).
    let platform_sig_end = 4 + 4 + 2 + 0x226 + 2 + 96;
    let mut changed = token.clone();
    changed[platform_sig_end - 10] ^= 0x80;
    let v = verifier
        .verify(&changed, &Freshness::Unchecked, &Context::now(&anchors))
        .expect("decodes");
    assert!(
        !v.checks[&CheckName::PlatformSignature].is_ok(),
        "{:?}",
        v.checks
    );
    assert!(
        verifier
            .verify(&token, &Freshness::Unchecked, &Context::now(&anchors))
            .expect("ok")
            .all_ok()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn truncations_and_random_bytes_never_panic(cut in 0usize..2200, bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let anchors = anchors("ta-tfa.json");
        let verifier = CcaVerifier::default();
        for name in ["cca-token-01.cbor", "cca-token-draft-ffm-00.cbor", "bug-33-repro.cbor"] {
            let token = data(name);
            let cut = cut.min(token.len());
            if cut < token.len() {
                let r = verifier.verify(&token[..cut], &Freshness::Unchecked, &Context::now(&anchors));
                prop_assert!(r.is_err() || !r.as_ref().is_ok_and(|v| v.all_ok()));
            }
        }
        let _ = verifier.verify(&bytes, &Freshness::Unchecked, &Context::now(&anchors));
        let _ = decode_realm_claims(&bytes);
        let _ = decode_platform_claims(&bytes);
    }
}
