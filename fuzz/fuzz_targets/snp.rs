#![no_main]
//! SEV-SNP reports, bare (stored VCEK) or in an envelope with certificates.

use secgear_attest::collateral::{CollateralItem, CollateralKind, CollateralStore};
use secgear_attest::verifiers::snp::SnpVerifier;
use secgear_attest::{Context, Freshness, TrustAnchors, Verifier};
use std::sync::LazyLock;

fn data(path: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/secgear-attest/tests/data/").to_owned() + path)
        .unwrap_or_default()
}

static SETUP: LazyLock<(TrustAnchors, CollateralStore)> = LazyLock::new(|| {
    let mut store = CollateralStore::default();
    if let Ok(item) = CollateralItem::parse(CollateralKind::Amd, &data("snp/vcek_milan.der")) {
        let _ = store.put(item);
    }
    (TrustAnchors::default(), store)
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (anchors, store) = &*SETUP;
    let context = Context::at(anchors, 1_767_225_600).with_collateral(store);
    let _ = SnpVerifier.verify(data, &Freshness::Challenge(vec![0; 64]), &context);
});
