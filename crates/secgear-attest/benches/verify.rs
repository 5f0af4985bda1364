//! Appraisals per second on one core, per TEE: evidence decode, signature
//! and chain checks, policy evaluation and EAR token signing, printed as a
//! table with the raw P-384 signature-verify rate of the crypto backends.
//! Run: `cargo bench -p secgear-attest`.

use jsonwebtoken::Algorithm;
use secgear_attest::reference::ReferenceValue;
use secgear_attest::token::TokenSigner;
use secgear_attest::{Appraiser, Freshness, Mode, ReferenceValues, TeeKind, TrustAnchors};
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn data(path: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(path),
    )
    .expect(path)
}

/// Runs `f` for about `period` and returns calls per second.
fn rate(period: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..20 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < period {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let period = Duration::from_secs(2);
    // Raw P-384 verification: the physical limit of a CCA token (two of them).
    let msg = [7u8; 300];
    let aws = {
        use aws_lc_rs::signature::{
            ECDSA_P384_SHA384_FIXED, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
            UnparsedPublicKey,
        };
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng).expect("key");
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8.as_ref())
            .expect("key");
        let sig = kp.sign(&rng, &msg).expect("sign");
        let pk =
            UnparsedPublicKey::new(&ECDSA_P384_SHA384_FIXED, kp.public_key().as_ref().to_vec());
        rate(period, || pk.verify(&msg, sig.as_ref()).expect("verify"))
    };
    let rustcrypto = {
        use p384::ecdsa::signature::{Signer, Verifier};
        use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
        let sk = SigningKey::from_slice(&[5u8; 48]).expect("key");
        let sig: Signature = sk.sign(&msg);
        let vk = VerifyingKey::from(&sk);
        rate(period, || vk.verify(&msg, &sig).expect("verify"))
    };

    let signer = || TokenSigner::generate(Algorithm::ES256).expect("signer");
    let mut rows = Vec::new();

    // CCA: token-01 against its rust-ccatoken stores.
    {
        let mut anchors = TrustAnchors::default();
        anchors
            .load(TeeKind::Cca, &data("cca/ta-tfa.json"))
            .expect("ta");
        let mut refs = ReferenceValues::new();
        refs.import_json(std::str::from_utf8(&data("cca/rv.json")).expect("utf8"))
            .expect("rv");
        let a = Appraiser::new(anchors, refs, Mode::Production).with_signer(signer());
        let token = data("cca/cca-token-01.cbor");
        let r = rate(period, || {
            let ap = a
                .appraise(TeeKind::Cca, &token, &Freshness::Unchecked, None)
                .expect("appraise");
            a.issue_token(&[ap], None, None).expect("token");
        });
        rows.push(("cca (cca-token-01, platform cache warm)", r));
        let verify_only = rate(period, || {
            a.verify(TeeKind::Cca, &token, &Freshness::Unchecked)
                .expect("verify");
        });
        rows.push(("cca, verification only (no policy, no token)", verify_only));
    }
    // Simulation TEE evidence.
    {
        let key = p384::ecdsa::SigningKey::from_slice(&[11u8; 48]).expect("key");
        let claims = secgear_sim::evidence::Claims {
            measurement: [7; 32],
            signer_id: [2; 32],
            product_id: 1,
            svn: 1,
            debug: false,
            report_data: [0; 64],
            platform_id: secgear_sim::evidence::platform_id(key.verifying_key()),
            issued_at: 0,
        };
        let evidence = secgear_sim::evidence::sign(&claims, &key);
        let mut anchors = TrustAnchors::default();
        anchors.add_sim_key(key.verifying_key().to_sec1_bytes().to_vec());
        let mut refs = ReferenceValues::new();
        refs.add(ReferenceValue::new(
            "sim.measurement",
            json!(hex::encode([7u8; 32])),
        ))
        .expect("ref");
        let a = Appraiser::new(anchors, refs, Mode::Development).with_signer(signer());
        rows.push((
            "sim",
            rate(period, || {
                let ap = a
                    .appraise(TeeKind::Sim, &evidence, &Freshness::Unchecked, None)
                    .expect("appraise");
                a.issue_token(&[ap], None, None).expect("token");
            }),
        ));
    }
    // virtCCA and iTrustee (RSA-4096 PS256 and certificate chains).
    {
        let mut anchors = TrustAnchors::default();
        anchors
            .load(TeeKind::Virtcca, &data("virtcca/huawei-it-product-ca.pem"))
            .expect("ca");
        anchors
            .load(
                TeeKind::Itrustee,
                &data("itrustee/huawei-it-product-ca.pem"),
            )
            .expect("ca");
        let a =
            Appraiser::new(anchors, ReferenceValues::new(), Mode::Production).with_signer(signer());
        let token = String::from_utf8(data("virtcca/virtcca-token.hex")).expect("text");
        let virtcca = secgear_attest::encoding::decode_evidence(token.as_bytes());
        rows.push((
            "virtcca (CVM token, PS256 RSA-4096)",
            rate(period, || {
                let ap = a
                    .appraise(TeeKind::Virtcca, &virtcca, &Freshness::Unchecked, None)
                    .expect("appraise");
                a.issue_token(&[ap], None, None).expect("token");
            }),
        ));
        let report = data("itrustee/report-sce-no-as.json");
        rows.push((
            "itrustee (sce_no_as: report + AK cert + DRK chain)",
            rate(period, || {
                let ap = a
                    .appraise(TeeKind::Itrustee, &report, &Freshness::Unchecked, None)
                    .expect("appraise");
                a.issue_token(&[ap], None, None).expect("token");
            }),
        ));
    }

    // The Intel, AMD and AWS formats, each appraised at a time inside its
    // vector's validity window, with its collateral stored.
    let dcap_side_by_side = {
        use secgear_attest::collateral::{CollateralItem, CollateralKind, IntelCollateral};
        let mut anchors = TrustAnchors::default();
        anchors.intel.push(data("sgx/intel-sgx-root-ca.der"));
        anchors.nitro = secgear_attest::envelope::certificates(&data("nitro/aws-nitro-root.pem"))
            .expect("nitro root");
        let mut a =
            Appraiser::new(anchors, ReferenceValues::new(), Mode::Production).with_signer(signer());
        for file in [
            "sgx/sgx_quote_collateral.json",
            "tdx/tdx_quote_collateral.json",
        ] {
            let item =
                CollateralItem::parse(CollateralKind::Intel, &data(file)).expect("collateral");
            a.collateral.write().expect("lock").put(item).expect("put");
        }
        let at = |t: i64| {
            secgear_attest::Clock::Fixed(time::OffsetDateTime::from_unix_timestamp(t).expect("t"))
        };
        a.clock = at(1_752_919_234);
        let mut side = Vec::new();
        for (tee, quote, collateral, label) in [
            (
                TeeKind::Sgx,
                data("sgx/sgx_quote"),
                "sgx/sgx_quote_collateral.json",
                "sgx (quote v3 + collateral)",
            ),
            (
                TeeKind::Tdx,
                data("tdx/tdx_quote"),
                "tdx/tdx_quote_collateral.json",
                "tdx (quote v4 + collateral)",
            ),
        ] {
            // The reference library alone on the same quote: verification only.
            let reference = dcap_qvl::QuoteCollateralV3::from(
                &IntelCollateral::from_json(&data(collateral)).expect("collateral"),
            );
            let qvl = dcap_qvl::verify::QuoteVerifier::<dcap_qvl::configs::RustCryptoConfig>::new_with_config(
                data("sgx/intel-sgx-root-ca.der"),
            )
            .allow_debug(true);
            // Interleaved trials; medians.
            let (mut ours, mut theirs, mut verify_only) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..3 {
                ours.push(rate(period / 2, || {
                    let ap = a
                        .appraise(tee, &quote, &Freshness::Unchecked, None)
                        .expect("appraise");
                    a.issue_token(&[ap], None, None).expect("token");
                }));
                verify_only.push(rate(period / 2, || {
                    a.verify(tee, &quote, &Freshness::Unchecked)
                        .expect("verify");
                }));
                theirs.push(rate(period / 2, || {
                    qvl.verify(&quote, &reference, 1_752_919_234)
                        .expect("dcap-qvl");
                }));
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            let (o, v, t) = (
                median(&mut ours),
                median(&mut verify_only),
                median(&mut theirs),
            );
            rows.push((label, o));
            side.push((tee, v, t));
        }
        let report = hex::decode(
            String::from_utf8(data("snp/report_milan.hex"))
                .expect("text")
                .trim(),
        )
        .expect("hex");
        let envelope = secgear_attest::envelope::Envelope {
            evidence: report,
            cert_chain: vec![data("snp/vcek_milan.der")],
            ..Default::default()
        };
        let snp = serde_json::to_vec(&envelope.to_json()).expect("json");
        rows.push((
            "snp (report + VCEK, ARK → ASK → VCEK)",
            rate(period, || {
                let ap = a
                    .appraise(TeeKind::Snp, &snp, &Freshness::Unchecked, None)
                    .expect("appraise");
                a.issue_token(&[ap], None, None).expect("token");
            }),
        ));
        a.clock = at(1_695_049_410);
        let doc =
            secgear_attest::encoding::decode_evidence(&data("nitro/valid-attestation-doc-base64"));
        rows.push((
            "nitro (COSE_Sign1 ES384, 4-certificate bundle)",
            rate(period, || {
                let ap = a
                    .appraise(TeeKind::Nitro, &doc, &Freshness::Unchecked, None)
                    .expect("appraise");
                a.issue_token(&[ap], None, None).expect("token");
            }),
        ));
        side
    };

    println!("| measurement (one core) | per second |");
    println!("|---|---:|");
    println!("| raw P-384 verify, aws-lc-rs (used) | {aws:.0} |");
    println!("| raw P-384 verify, RustCrypto p384 | {rustcrypto:.0} |");
    for (name, r) in rows {
        println!("| {name} | {r:.0} |");
    }
    println!(
        "\nCCA target: ≥ 1480/s (2 × the 740/s of rust-ccatoken with OpenSSL, without policy or token)."
    );
    println!(
        "\nSide by side on the same quote, verification only (medians of 3 interleaved trials):"
    );
    println!("| quote | secgear-rs verify/s (own checks + dcap-qvl) | dcap-qvl alone/s | ratio |");
    println!("|---|---:|---:|---:|");
    for (tee, ours, theirs) in dcap_side_by_side {
        println!("| {tee} | {ours:.0} | {theirs:.0} | {:.2} |", ours / theirs);
    }
}
