//! Evidence signed by test keys, for the formats whose signing chain a test
//! can stand in for (SGX, TDX, SEV-SNP, Nitro): a test root as the trust
//! anchor, a leaf certificate as the PCK, the VCEK or the enclave's
//! certificate (with Intel's collateral signed to match), and evidence
//! carrying whatever report data or nonce the test chooses. This is how the
//! attestation service's nonce and runtime-data binding is exercised per TEE
//! kind; captured vectors have fixed report data. Never built into a
//! service (cargo feature `testing`).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SignatureAlgorithm,
};

mod intel;
pub use intel::{IntelPki, IntelPlatform, TD_DEBUG, TD_MIGRATABLE, TD_SEPT_VE_DISABLE, intel_pki};

/// A root and a leaf certificate, and the leaf's signing key.
pub struct TestPki {
    pub root_der: Vec<u8>,
    pub leaf_der: Vec<u8>,
    leaf_key: EcdsaKeyPair,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki").finish_non_exhaustive()
    }
}

impl TestPki {
    /// Signs with the leaf key: fixed-width big-endian r ‖ s over SHA-384.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        sign(&self.leaf_key, message)
    }
}

fn key_pair(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).expect("test key")
}

/// The rcgen key as an aws-lc-rs signer producing fixed-width r ‖ s.
fn signer(alg: &'static EcdsaSigningAlgorithm, key: &KeyPair) -> EcdsaKeyPair {
    EcdsaKeyPair::from_pkcs8(alg, &key.serialize_der()).expect("pkcs8")
}

fn sign(key: &EcdsaKeyPair, message: &[u8]) -> Vec<u8> {
    key.sign(&SystemRandom::new(), message)
        .expect("ECDSA signing")
        .as_ref()
        .to_vec()
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = leaf_params(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

fn leaf_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

fn der_integer(v: u8) -> Vec<u8> {
    if v < 0x80 {
        vec![2, 1, v]
    } else {
        vec![2, 2, 0, v]
    }
}

fn pki(root_cn: &str, leaf_cn: &str, extensions: Vec<CustomExtension>) -> TestPki {
    let alg = &rcgen::PKCS_ECDSA_P384_SHA384;
    let root_key = key_pair(alg);
    let root = ca_params(root_cn).self_signed(&root_key).expect("root");
    let leaf_key = key_pair(alg);
    let mut leaf = leaf_params(leaf_cn);
    leaf.custom_extensions = extensions;
    let leaf = leaf.signed_by(&leaf_key, &root, &root_key).expect("leaf");
    TestPki {
        root_der: root.der().to_vec(),
        leaf_der: leaf.der().to_vec(),
        leaf_key: signer(&ECDSA_P384_SHA384_FIXED_SIGNING, &leaf_key),
    }
}

/// The platform an SNP test report claims: a Genoa-style TCB (boot loader,
/// TEE, SNP, microcode) and a chip id.
#[derive(Debug, Clone, Copy)]
pub struct SnpPlatform {
    pub chip_id: [u8; 64],
    pub bootloader: u8,
    pub tee: u8,
    pub snp: u8,
    pub microcode: u8,
}

impl Default for SnpPlatform {
    fn default() -> Self {
        Self {
            chip_id: [0x5a; 64],
            bootloader: 9,
            tee: 0,
            snp: 23,
            microcode: 72,
        }
    }
}

/// A test ARK and a VCEK certified for `platform`.
pub fn snp_pki(platform: &SnpPlatform) -> TestPki {
    let oid = |last: u64| vec![1, 3, 6, 1, 4, 1, 3704, 1, 3, last];
    let mut hwid = vec![0x04, 0x40];
    hwid.extend_from_slice(&platform.chip_id);
    pki(
        "ARK-Test",
        "SEV-VCEK",
        vec![
            CustomExtension::from_oid_content(&oid(1), der_integer(platform.bootloader)),
            CustomExtension::from_oid_content(&oid(2), der_integer(platform.tee)),
            CustomExtension::from_oid_content(&oid(3), der_integer(platform.snp)),
            CustomExtension::from_oid_content(&oid(8), der_integer(platform.microcode)),
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 3704, 1, 4], hwid),
        ],
    )
}

/// A version 2 attestation report with `report_data` and `measurement`,
/// signed by the VCEK of `pki`.
pub fn snp_report(
    pki: &TestPki,
    platform: &SnpPlatform,
    report_data: &[u8; 64],
    measurement: &[u8; 48],
) -> Vec<u8> {
    let mut r = vec![0u8; 1184];
    r[0..4].copy_from_slice(&2u32.to_le_bytes());
    // Policy: ABI 0.0, SMT allowed, reserved bit 17 set, no debug.
    r[8..16].copy_from_slice(&((1u64 << 16) | (1u64 << 17)).to_le_bytes());
    r[0x34..0x38].copy_from_slice(&1u32.to_le_bytes()); // ECDSA P-384 with SHA-384
    r[0x50..0x90].copy_from_slice(report_data);
    r[0x90..0xC0].copy_from_slice(measurement);
    let tcb = [
        platform.bootloader,
        platform.tee,
        0,
        0,
        0,
        0,
        platform.snp,
        platform.microcode,
    ];
    for offset in [0x38, 0x180, 0x1E0, 0x1F0] {
        r[offset..offset + 8].copy_from_slice(&tcb);
    }
    r[0x1A0..0x1E0].copy_from_slice(&platform.chip_id);
    let signature = pki.sign(&r[..0x2A0]);
    for (i, half) in signature.chunks(48).enumerate() {
        let start = 0x2A0 + i * 72;
        let le: Vec<u8> = half.iter().rev().copied().collect();
        r[start..start + 48].copy_from_slice(&le);
    }
    r
}

/// A test Nitro root and an enclave certificate under it.
pub fn nitro_pki() -> TestPki {
    pki(
        "aws.nitro-enclaves.test",
        "i-test.aws.nitro-enclaves",
        Vec::new(),
    )
}

/// An attestation document (untagged COSE_Sign1, ES384) with this nonce,
/// user data and PCR0, made at `timestamp_ms`.
pub fn nitro_document(
    pki: &TestPki,
    nonce: &[u8],
    user_data: Option<&[u8]>,
    pcr0: &[u8; 48],
    timestamp_ms: u64,
) -> Vec<u8> {
    use ciborium::Value;
    let text = |s: &str| Value::Text(s.into());
    let bytes = |b: &[u8]| Value::Bytes(b.to_vec());
    let pcrs = (0..16u8)
        .map(|i| {
            let value = if i == 0 { pcr0.to_vec() } else { vec![0; 48] };
            (Value::Integer(i.into()), Value::Bytes(value))
        })
        .collect();
    let payload = Value::Map(vec![
        (text("module_id"), text("i-test-enc0123456789abcdef")),
        (text("digest"), text("SHA384")),
        (text("timestamp"), Value::Integer(timestamp_ms.into())),
        (text("pcrs"), Value::Map(pcrs)),
        (text("certificate"), bytes(&pki.leaf_der)),
        (text("cabundle"), Value::Array(vec![bytes(&pki.root_der)])),
        (text("public_key"), Value::Null),
        (text("user_data"), user_data.map_or(Value::Null, bytes)),
        (text("nonce"), bytes(nonce)),
    ]);
    let mut encoded = Vec::new();
    ciborium::into_writer(&payload, &mut encoded).expect("CBOR");
    let protected = coset::HeaderBuilder::new()
        .algorithm(coset::iana::Algorithm::ES384)
        .build();
    let sign1 = coset::CoseSign1Builder::new()
        .protected(protected)
        .payload(encoded)
        .create_signature(b"", |data| pki.sign(data))
        .build();
    coset::CborSerializable::to_vec(sign1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verifiers::{nitro::NitroVerifier, snp::SnpVerifier};
    use crate::{CheckName, Context, Freshness, TrustAnchors, Verifier};

    #[test]
    fn test_signed_snp_reports_and_nitro_documents_verify_under_their_test_roots() {
        let platform = SnpPlatform::default();
        let snp = snp_pki(&platform);
        let report = snp_report(&snp, &platform, &[7; 64], &[9; 48]);
        let envelope = crate::envelope::Envelope {
            evidence: report,
            cert_chain: vec![snp.leaf_der.clone()],
            ..Default::default()
        };
        let mut anchors = TrustAnchors::empty();
        anchors.snp.push(snp.root_der.clone());
        let evidence = serde_json::to_vec(&envelope.to_json()).expect("json");
        let v = SnpVerifier
            .verify(
                &evidence,
                &Freshness::Challenge(vec![7; 64]),
                &Context::now(&anchors),
            )
            .expect("parses");
        assert!(v.all_ok(), "{:?}", v.checks);
        assert_eq!(v.checks[&CheckName::Freshness], crate::Check::Ok);

        let nitro = nitro_pki();
        anchors.nitro.push(nitro.root_der.clone());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let doc = nitro_document(&nitro, &[3; 32], None, &[1; 48], now as u64 * 1000);
        let v = NitroVerifier
            .verify(
                &doc,
                &Freshness::Challenge(vec![3; 32]),
                &Context::now(&anchors),
            )
            .expect("parses");
        assert!(v.all_ok(), "{:?}", v.checks);
    }
}
