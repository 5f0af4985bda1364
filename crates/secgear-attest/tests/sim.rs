//! The whole pipeline on simulated evidence.

use jsonwebtoken::Algorithm;
use p384::ecdsa::SigningKey;
use secgear_attest::policy::Status;
use secgear_attest::reference::ReferenceValue;
use secgear_attest::token::{TokenExpectations, TokenSigner, verify_token};
use secgear_attest::{
    Appraiser, CheckName, Freshness, Mode, ReferenceValues, TeeKind, TrustAnchors,
};
use secgear_sim::evidence::{Claims, platform_id, sign};
use serde_json::json;

fn platform() -> SigningKey {
    SigningKey::from_slice(&[11u8; 48]).expect("key")
}

fn evidence(measurement: [u8; 32], report_data: [u8; 64], debug: bool) -> Vec<u8> {
    let key = platform();
    let claims = Claims {
        measurement,
        signer_id: [2; 32],
        product_id: 1,
        svn: 1,
        debug,
        report_data,
        platform_id: platform_id(key.verifying_key()),
        issued_at: 1_700_000_000,
    };
    sign(&claims, &key)
}

fn appraiser(mode: Mode) -> Appraiser {
    let mut anchors = TrustAnchors::default();
    anchors.add_sim_key(platform().verifying_key().to_sec1_bytes().to_vec());
    let mut refs = ReferenceValues::new();
    refs.add(ReferenceValue::new(
        "sim.measurement",
        json!(hex::encode([7u8; 32])),
    ))
    .expect("ref");
    Appraiser::new(anchors, refs, mode)
        .with_signer(TokenSigner::generate(Algorithm::ES256).expect("signer"))
}

#[test]
fn development_mode_affirms_a_good_sim_enclave() {
    let a = appraiser(Mode::Development);
    let nonce = [5u8; 64];
    let appraisal = a
        .appraise(
            TeeKind::Sim,
            &evidence([7; 32], nonce, true),
            &Freshness::Challenge(nonce.to_vec()),
            None,
        )
        .expect("appraise");
    assert_eq!(
        appraisal.status,
        Status::Affirming,
        "{:?}",
        appraisal.trust_vector
    );
    let token = a
        .issue_token(&[appraisal], Some(&nonce), Some("rp"))
        .expect("token");
    let signer = a.signer().expect("signer");
    let expect = TokenExpectations {
        issuer: Some("secgear-rs".into()),
        audience: Some("rp".into()),
        nonce: Some(nonce.to_vec()),
        accept_non_affirming: false,
    };
    let claims = verify_token(&token, &signer.jwks(), &expect).expect("valid token");
    let sub = &claims.submods["sim"];
    assert!(sub.simulated);
    assert_eq!(sub.claims["measurement"], json!(hex::encode([7u8; 32])));
    // Wrong audience, wrong nonce, foreign key: refused.
    assert!(
        verify_token(
            &token,
            &signer.jwks(),
            &TokenExpectations {
                audience: Some("other".into()),
                ..expect.clone()
            }
        )
        .is_err()
    );
    assert!(
        verify_token(
            &token,
            &signer.jwks(),
            &TokenExpectations {
                nonce: Some(vec![1]),
                ..expect.clone()
            }
        )
        .is_err()
    );
    let stranger = TokenSigner::generate(Algorithm::ES256).expect("other");
    assert!(verify_token(&token, &stranger.jwks(), &expect).is_err());
}

#[test]
fn production_mode_never_affirms_simulated_evidence() {
    let a = appraiser(Mode::Production);
    let appraisal = a
        .appraise(
            TeeKind::Sim,
            &evidence([7; 32], [0; 64], false),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraise");
    assert_eq!(appraisal.status, Status::Contraindicated);
    let token = a
        .issue_token(&[appraisal], None, None)
        .expect("a token is issued anyway");
    let err = verify_token(
        &token,
        &a.signer().expect("signer").jwks(),
        &TokenExpectations::default(),
    )
    .expect_err("not affirming");
    assert!(err.to_string().contains("contraindicated"), "{err}");
    let claims = verify_token(
        &token,
        &a.signer().expect("signer").jwks(),
        &TokenExpectations {
            accept_non_affirming: true,
            ..Default::default()
        },
    )
    .expect("inspectable");
    assert_eq!(claims.status(), Status::Contraindicated);
}

#[test]
fn unknown_measurement_stale_nonce_and_unknown_platform_are_not_affirmed() {
    let a = appraiser(Mode::Development);
    let wrong = a
        .appraise(
            TeeKind::Sim,
            &evidence([8; 32], [0; 64], true),
            &Freshness::Unchecked,
            None,
        )
        .expect("ok");
    assert_eq!(wrong.trust_vector["executables"], 33);
    assert_ne!(wrong.status, Status::Affirming);
    let stale = a
        .appraise(
            TeeKind::Sim,
            &evidence([7; 32], [1; 64], true),
            &Freshness::Challenge(vec![2; 64]),
            None,
        )
        .expect("ok");
    assert_eq!(stale.status, Status::Contraindicated);
    let lonely = Appraiser::new(
        TrustAnchors::default(),
        ReferenceValues::new(),
        Mode::Development,
    );
    let unknown = lonely
        .appraise(
            TeeKind::Sim,
            &evidence([7; 32], [0; 64], true),
            &Freshness::Unchecked,
            None,
        )
        .expect("ok");
    assert!(!unknown.verified.checks[&CheckName::Endorsement].is_ok());
    assert_eq!(unknown.status, Status::Contraindicated);
}

#[test]
fn expired_tokens_and_disallowed_algorithms_are_refused() {
    use base64::Engine as _;
    let mut a = appraiser(Mode::Development);
    a.token_ttl_seconds = -120;
    let appraisal = a
        .appraise(
            TeeKind::Sim,
            &evidence([7; 32], [0; 64], true),
            &Freshness::Unchecked,
            None,
        )
        .expect("ok");
    let expired = a
        .issue_token(std::slice::from_ref(&appraisal), None, None)
        .expect("token");
    let jwks = a.signer().expect("signer").jwks();
    let err = verify_token(&expired, &jwks, &TokenExpectations::default()).expect_err("expired");
    assert!(err.to_string().to_lowercase().contains("expired"), "{err}");
    // A token whose header claims another algorithm (`none`, HS256) is refused.
    a.token_ttl_seconds = 300;
    let good = a.issue_token(&[appraisal], None, None).expect("token");
    let (_, rest) = good.split_once('.').expect("jwt");
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let kid = a.signer().expect("signer").kid();
    for alg in ["none", "HS256", "ES384"] {
        let header = engine.encode(format!(r#"{{"alg":"{alg}","kid":"{kid}","typ":"JWT"}}"#));
        let forged = format!("{header}.{rest}");
        assert!(
            verify_token(&forged, &jwks, &TokenExpectations::default()).is_err(),
            "{alg} accepted"
        );
    }
    // The JWKS carries the kid, algorithm and use of the signing key.
    let published = serde_json::to_value(&jwks).expect("json");
    assert_eq!(published["keys"][0]["kid"], json!(kid));
    assert_eq!(published["keys"][0]["alg"], json!("ES256"));
    assert_eq!(published["keys"][0]["use"], json!("sig"));
    assert!(published["keys"][0].get("d").is_none(), "no private part");
}

#[test]
fn a_lax_policy_cannot_affirm_forged_or_replayed_evidence() {
    let a = appraiser(Mode::Development);
    a.policies
        .add(
            "lax",
            "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"instance-identity\": 2, \"hardware\": 2}",
        )
        .expect("compiles");
    let good = evidence([7; 32], [1; 64], false);
    // Replayed: bound to another challenge.
    let replayed = a
        .appraise(
            TeeKind::Sim,
            &good,
            &Freshness::Challenge(vec![2; 32]),
            Some("lax"),
        )
        .expect("appraise");
    assert_eq!(replayed.status, Status::Contraindicated);
    // Forged: one signature byte flipped.
    let mut forged = good.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let forged = a
        .appraise(
            TeeKind::Sim,
            &forged,
            &Freshness::Challenge(vec![1; 64]),
            Some("lax"),
        )
        .expect("appraise");
    assert_eq!(forged.status, Status::Contraindicated);
    // The same policy on sound evidence is what it says.
    let sound = a
        .appraise(
            TeeKind::Sim,
            &good,
            &Freshness::Challenge(vec![1; 64]),
            Some("lax"),
        )
        .expect("appraise");
    assert_eq!(sound.status, Status::Affirming);
}

#[test]
fn several_policies_give_several_submodules_and_the_worst_status() {
    let a = appraiser(Mode::Development);
    a.policies
        .add(
            "strict",
            "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"executables\": 33}",
        )
        .expect("compiles");
    let ev = evidence([7; 32], [1; 64], false);
    let fresh = Freshness::Challenge(vec![1; 64]);
    let appraisals = [
        a.appraise(TeeKind::Sim, &ev, &fresh, None)
            .expect("default"),
        a.appraise(TeeKind::Sim, &ev, &fresh, Some("strict"))
            .expect("strict"),
    ];
    let (_, claims) = a
        .issue_token_with(&appraisals, None, None, None)
        .expect("token");
    assert_eq!(claims.submods.len(), 2, "{:?}", claims.submods.keys());
    assert!(claims.submods.contains_key("sim.strict"));
    assert_eq!(claims.status(), Status::Warning);
}

#[test]
fn a_lax_policy_cannot_affirm_evidence_from_an_untrusted_platform() {
    let a = appraiser(Mode::Development);
    a.policies
        .add(
            "lax",
            "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"instance-identity\": 2}",
        )
        .expect("compiles");
    let stranger = SigningKey::from_slice(&[42u8; 48]).expect("key");
    let claims = Claims {
        measurement: [7; 32],
        signer_id: [2; 32],
        product_id: 1,
        svn: 1,
        debug: false,
        report_data: [1; 64],
        platform_id: platform_id(stranger.verifying_key()),
        issued_at: 1_700_000_000,
    };
    let forged = sign(&claims, &stranger);
    let appraisal = a
        .appraise(
            TeeKind::Sim,
            &forged,
            &Freshness::Challenge(vec![1; 64]),
            Some("lax"),
        )
        .expect("appraise");
    assert_eq!(appraisal.status, Status::Contraindicated);
}
