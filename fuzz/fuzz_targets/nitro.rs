#![no_main]
//! Nitro attestation documents (COSE_Sign1 and their CBOR payload).

use secgear_attest::envelope::certificates;
use secgear_attest::verifiers::nitro::NitroVerifier;
use secgear_attest::{Context, Freshness, TrustAnchors, Verifier};
use std::sync::LazyLock;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/secgear-attest/tests/data/").to_owned() + path)
        .unwrap_or_default()
}

static ANCHORS: LazyLock<TrustAnchors> = LazyLock::new(|| {
    let mut anchors = TrustAnchors::empty();
    anchors.nitro = certificates(&data("nitro/aws-nitro-root.pem")).unwrap_or_default();
    anchors
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let context = Context::at(&ANCHORS, 1_695_049_410);
    let _ = NitroVerifier.verify(data, &Freshness::Challenge(vec![0; 32]), &context);
});
