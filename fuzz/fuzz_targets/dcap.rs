#![no_main]
//! SGX and TDX quotes (raw, or in an envelope) against the real Intel root
//! and collateral, so mutations of the seed vectors reach the deep checks.

use secgear_attest::collateral::{CollateralItem, CollateralKind, CollateralStore};
use secgear_attest::verifiers::dcap::DcapVerifier;
use secgear_attest::{Context, Freshness, TrustAnchors, Verifier};
use std::sync::LazyLock;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/secgear-attest/tests/data/").to_owned() + path)
        .unwrap_or_default()
}

static SETUP: LazyLock<(TrustAnchors, CollateralStore)> = LazyLock::new(|| {
    let mut anchors = TrustAnchors::empty();
    anchors.intel.push(data("sgx/intel-sgx-root-ca.der"));
    let mut store = CollateralStore::default();
    for file in ["sgx/sgx_quote_collateral.json", "tdx/tdx_quote_collateral.json"] {
        if let Ok(item) = CollateralItem::parse(CollateralKind::Intel, &data(file)) {
            let _ = store.put(item);
        }
    }
    (anchors, store)
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (anchors, store) = &*SETUP;
    let context = Context::at(anchors, 1_752_919_234).with_collateral(store);
    for verifier in [DcapVerifier::sgx(), DcapVerifier::tdx()] {
        let _ = verifier.verify(data, &Freshness::Challenge(vec![0; 64]), &context);
    }
});
