//! Sealing bound to enclave identity, and attestation reports.

mod common;
use common::start;
use secgear_host::{Enclave, ErrorCode, SimPlatform, TeeType};
use secgear_sim_tests::edl::Client;

const MEASUREMENT: u8 = 1;
const SIGNER: u8 = 2;

fn seal(c: &Client<&Enclave>, data: &[u8], policy: u8) -> Vec<u8> {
    let mut blob = vec![0u8; 4096];
    let n = c.seal(data, policy, &mut blob).expect("seal");
    assert!(n > 0, "sealing failed");
    blob.truncate(n);
    blob
}

fn unseal(c: &Client<&Enclave>, blob: &[u8]) -> Result<Vec<u8>, i32> {
    let mut data = vec![0u8; 4096];
    let mut len = 0usize;
    match c.unseal(blob, &mut data, &mut len).expect("call") {
        0 => Ok(data[..len].to_vec()),
        code => Err(code),
    }
}

/// The test enclave's executable under another configuration or key.
fn variant(product_id: u16, key: Option<&p384::ecdsa::SigningKey>) -> (tempfile::TempDir, Enclave) {
    let verified =
        secgear_sign::verify(&std::fs::read(secgear_sim_tests::ENCLAVE_IMAGE).expect("read"))
            .expect("valid");
    let mut config = verified.config;
    config.product_id = product_id;
    config.security_version += 1;
    let other;
    let key = match key {
        Some(k) => k,
        None => {
            other = secgear_sign::generate_key().expect("key");
            &other
        }
    };
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("variant");
    std::fs::write(
        &path,
        secgear_sign::sign(&verified.executable, &config, key).expect("sign"),
    )
    .expect("write");
    let e = Enclave::builder(&path)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(common::state_dir()))
        .create()
        .expect("create");
    (dir, e)
}

#[test]
fn sealed_data_survives_a_new_instance_of_the_same_enclave() {
    let first = start(1);
    let blob = seal(&Client::new(&*first), b"the secret", MEASUREMENT);
    drop(first);
    let second = start(1);
    assert_eq!(
        unseal(&Client::new(&*second), &blob),
        Ok(b"the secret".to_vec())
    );
}

#[test]
fn tampered_blobs_are_refused() {
    let e = start(1);
    let c = Client::new(&*e);
    let blob = seal(&c, b"the secret", MEASUREMENT);
    for i in [0, 7, 10, 60, 70, blob.len() - 20, blob.len() - 1] {
        let mut bad = blob.clone();
        bad[i] ^= 0x20;
        assert!(unseal(&c, &bad).is_err(), "flip at {i} accepted");
    }
    assert!(unseal(&c, &blob[..blob.len() - 1]).is_err());
    assert_eq!(
        unseal(&c, &blob[..10]),
        Err(ErrorCode::BadFormat.code() as i32)
    );
}

#[test]
fn another_enclave_identity_cannot_unseal() {
    let e = start(1);
    let c = Client::new(&*e);
    let by_measurement = seal(&c, b"mine", MEASUREMENT);
    let (_dir, other) = variant(7, None);
    let err = unseal(&Client::new(&other), &by_measurement).expect_err("other identity");
    assert_eq!(err, ErrorCode::MacInvalid.code() as i32);
}

#[test]
fn signer_policy_follows_signer_and_product() {
    // The dev key that signed the test enclave lives under the target dir.
    let key_path = std::path::Path::new(secgear_sim_tests::ENCLAVE_IMAGE)
        .ancestors()
        .find(|p| p.join("secgear-dev-signing-key.pem").exists())
        .map(|p| p.join("secgear-dev-signing-key.pem"));
    let Some(key_path) = key_path else {
        panic!("development key not found next to the build output");
    };
    let key = secgear_sign::load_key(&key_path).expect("dev key");
    let e = start(1);
    let blob = seal(&Client::new(&*e), b"for my product line", SIGNER);
    let (_d1, upgraded) = variant(7, Some(&key));
    assert_eq!(
        unseal(&Client::new(&upgraded), &blob),
        Ok(b"for my product line".to_vec()),
        "same signer and product"
    );
    let (_d2, other_product) = variant(8, Some(&key));
    assert!(
        unseal(&Client::new(&other_product), &blob).is_err(),
        "another product"
    );
    let (_d3, other_signer) = variant(7, None);
    assert!(
        unseal(&Client::new(&other_signer), &blob).is_err(),
        "another signer"
    );
    // Data sealed by the newer version stays out of reach of the older one.
    let newer_blob = seal(&Client::new(&upgraded), b"patched secrets", SIGNER);
    assert!(
        unseal(&Client::new(&*e), &newer_blob).is_err(),
        "rollback to an older version"
    );
}

#[test]
fn reports_carry_the_loader_measurement_and_verify_with_the_platform_key() {
    let e = start(1);
    let mut evidence = vec![0u8; 4096];
    let mut len = 0usize;
    let report_data = [0xabu8; 64];
    assert_eq!(
        Client::new(&*e)
            .get_report(&report_data, &mut evidence, &mut len)
            .expect("report"),
        0
    );
    let parsed = secgear_sim::evidence::parse(&evidence[..len]).expect("parse");
    let platform = SimPlatform::open(common::state_dir()).expect("platform");
    parsed
        .verify(&platform.public_key())
        .expect("signed by the platform");
    let claims = parsed.claims;
    assert_eq!(claims.measurement, secgear_sim_tests::ENCLAVE_MEASUREMENT);
    assert_eq!(claims.signer_id, secgear_sim_tests::ENCLAVE_SIGNER);
    assert_eq!((claims.product_id, claims.svn, claims.debug), (7, 3, true));
    assert_eq!(claims.report_data, report_data);
    assert_eq!(claims.platform_id, platform.platform_id());
    // `secgear measure` computes the same measurement from the image file.
    let verified =
        secgear_sign::verify(&std::fs::read(secgear_sim_tests::ENCLAVE_IMAGE).expect("read"))
            .expect("ok");
    assert_eq!(
        secgear_sign::measure(&verified.executable, &verified.config),
        claims.measurement
    );
}

#[test]
fn the_host_gets_a_report_from_any_enclave_through_the_built_in_call() {
    let e = start(1);
    let report_data = [0x5au8; 64];
    let evidence = e.report(&report_data).expect("built-in report");
    let parsed = secgear_sim::evidence::parse(&evidence).expect("parse");
    let platform = SimPlatform::open(common::state_dir()).expect("platform");
    parsed
        .verify(&platform.public_key())
        .expect("signed by the platform");
    assert_eq!(parsed.claims.report_data, report_data);
    assert_eq!(
        parsed.claims.measurement,
        secgear_sim_tests::ENCLAVE_MEASUREMENT
    );
    // A built-in call the runtime does not know is refused, and the enclave lives on.
    let unknown = secgear_host::abi::Writer::request(secgear_host::abi::CallKind::Builtin, 99);
    let reply = secgear_host::Transport::call(&*e, unknown.finish()).expect("a reply");
    assert_eq!(
        secgear_host::abi::Reader::reply(&reply)
            .expect_err("refused")
            .kind(),
        ErrorCode::InvalidCmd
    );
    assert!(e.report(&report_data).is_ok());
}
