#![no_main]
//! Every verifier on arbitrary evidence: an error or a verdict, never a panic.

use secgear_attest::{Context, Freshness, TeeKind, TrustAnchors};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let anchors = TrustAnchors::default();
    let context = Context::at(&anchors, 1_752_919_277);
    for tee in TeeKind::ALL {
        if let Some(verifier) = secgear_attest::verifiers::for_tee(tee) {
            let _ = verifier.verify(data, &Freshness::Challenge(vec![0; 32]), &context);
        }
    }
    let _ = secgear_attest::verifiers::cca::decode_realm_claims(data);
    let _ = secgear_attest::verifiers::cca::decode_platform_claims(data);
});
