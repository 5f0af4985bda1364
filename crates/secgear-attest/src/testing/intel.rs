//! A stand-in Intel PKI: a test SGX root CA, a PCK CA and a PCK certificate
//! whose SGX extension names the platform, a TCB-signing certificate, and
//! the collateral they sign. The quotes it makes have the layout of real
//! ones (SGX quote v3, TDX quote v4 and v5 with certification data type 6), so
//! they pass every check of the DCAP verifier, dcap-qvl's included, under
//! the test root.

use super::{ca_params, key_pair, leaf_params, sign, signer};
use crate::collateral::{IntelCollateral, iso};
use crate::envelope::pem;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use rcgen::{
    Certificate, CertificateRevocationListParams, CustomExtension, KeyIdMethod, KeyPair,
    SerialNumber,
};
use secgear_types::TeeKind;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Intel's QE vendor id, which verifiers require in the quote header.
const INTEL_QE_VENDOR_ID: [u8; 16] = [
    0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07,
];
/// The test quoting enclave's signer, as its QE identity names it.
const QE_MRSIGNER: [u8; 32] = [0x8C; 32];
const QE_ISVSVN: u16 = 8;
/// The QE's ATTRIBUTES byte 0 as Intel's QE identity expects it under its
/// mask: INIT and PROVISIONKEY, DEBUG clear.
const QE_ATTRIBUTES: u8 = 0x11;
/// TDATTRIBUTES bits.
pub const TD_DEBUG: u64 = 1;
pub const TD_SEPT_VE_DISABLE: u64 = 1 << 28;
pub const TD_MIGRATABLE: u64 = 1 << 29;
/// The SGX extension of PCK certificates.
const SGX_EXTENSION: [u64; 7] = [1, 2, 840, 113741, 1, 13, 1];

/// What the PCK certificate says about the platform.
#[derive(Debug, Clone, Copy)]
pub struct IntelPlatform {
    pub fmspc: [u8; 6],
    pub cpu_svn: [u8; 16],
    pub pce_svn: u16,
    /// TDX: the TEE TCB SVN of the TD report (module major version 0, so
    /// only the base `tdxModule` identity applies).
    pub tee_tcb_svn: [u8; 16],
}

impl Default for IntelPlatform {
    fn default() -> Self {
        Self {
            fmspc: [0x00, 0x90, 0x6E, 0xA1, 0x00, 0x00],
            cpu_svn: [4, 4, 2, 2, 3, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0],
            pce_svn: 13,
            tee_tcb_svn: [5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        }
    }
}

/// The test Intel PKI for one platform, and its quoting enclave's keys.
pub struct IntelPki {
    pub platform: IntelPlatform,
    /// The test SGX root CA: the trust anchor.
    pub root_der: Vec<u8>,
    pub pck_ca_der: Vec<u8>,
    pub pck_der: Vec<u8>,
    pub tcb_signer_der: Vec<u8>,
    root: (Certificate, KeyPair),
    pck_ca: (Certificate, KeyPair),
    pck_key: EcdsaKeyPair,
    tcb_key: EcdsaKeyPair,
    attestation_key: EcdsaKeyPair,
}

impl std::fmt::Debug for IntelPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntelPki")
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

fn p256_key() -> KeyPair {
    key_pair(&rcgen::PKCS_ECDSA_P256_SHA256)
}

/// Quotes and collateral carry fixed-width r ‖ s over SHA-256.
fn p256_signer(key: &KeyPair) -> EcdsaKeyPair {
    signer(&ECDSA_P256_SHA256_FIXED_SIGNING, key)
}

/// The PCK certificate's SGX extension: PPID, TCB (the 16 CPU SVN
/// components, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type.
fn sgx_extension(p: &IntelPlatform) -> Vec<u8> {
    let oid = |tail: &[u64]| {
        let mut arcs = SGX_EXTENSION.to_vec();
        arcs.extend_from_slice(tail);
        yasna::models::ObjectIdentifier::from_slice(&arcs)
    };
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_sequence(|w| {
                w.next().write_oid(&oid(&[1]));
                w.next().write_bytes(&[0x42; 16]);
            });
            w.next().write_sequence(|w| {
                w.next().write_oid(&oid(&[2]));
                w.next().write_sequence(|w| {
                    for (component, svn) in (1u64..).zip(p.cpu_svn) {
                        w.next().write_sequence(|w| {
                            w.next().write_oid(&oid(&[2, component]));
                            w.next().write_u8(svn);
                        });
                    }
                    w.next().write_sequence(|w| {
                        w.next().write_oid(&oid(&[2, 17]));
                        w.next().write_u16(p.pce_svn);
                    });
                    w.next().write_sequence(|w| {
                        w.next().write_oid(&oid(&[2, 18]));
                        w.next().write_bytes(&p.cpu_svn);
                    });
                });
            });
            w.next().write_sequence(|w| {
                w.next().write_oid(&oid(&[3]));
                w.next().write_bytes(&[0, 0]);
            });
            w.next().write_sequence(|w| {
                w.next().write_oid(&oid(&[4]));
                w.next().write_bytes(&p.fmspc);
            });
            w.next().write_sequence(|w| {
                w.next().write_oid(&oid(&[5]));
                w.next().write_enum(0);
            });
        });
    })
}

/// A test Intel PKI for `platform`.
pub fn intel_pki(platform: IntelPlatform) -> IntelPki {
    let root_key = p256_key();
    let root = ca_params("Intel SGX Root CA (test)")
        .self_signed(&root_key)
        .expect("root");
    let pck_ca_key = p256_key();
    let pck_ca = ca_params("Intel SGX PCK Platform CA (test)")
        .signed_by(&pck_ca_key, &root, &root_key)
        .expect("PCK CA");
    let pck_key = p256_key();
    let mut pck = leaf_params("Intel SGX PCK Certificate (test)");
    pck.custom_extensions = vec![CustomExtension::from_oid_content(
        &SGX_EXTENSION,
        sgx_extension(&platform),
    )];
    let pck = pck.signed_by(&pck_key, &pck_ca, &pck_ca_key).expect("PCK");
    let tcb_key = p256_key();
    let tcb_signer = leaf_params("Intel SGX TCB Signing (test)")
        .signed_by(&tcb_key, &root, &root_key)
        .expect("TCB signer");
    IntelPki {
        platform,
        root_der: root.der().to_vec(),
        pck_ca_der: pck_ca.der().to_vec(),
        pck_der: pck.der().to_vec(),
        tcb_signer_der: tcb_signer.der().to_vec(),
        pck_key: p256_signer(&pck_key),
        tcb_key: p256_signer(&tcb_key),
        attestation_key: p256_signer(&p256_key()),
        root: (root, root_key),
        pck_ca: (pck_ca, pck_ca_key),
    }
}

fn svns(values: &[u8]) -> Value {
    Value::Array(values.iter().map(|svn| json!({"svn": svn})).collect())
}

impl IntelPki {
    /// Collateral for `tee` (SGX or TDX) valid in `[issued, next_update)`:
    /// one TCB level, `UpToDate`, that the platform meets; the QE identity
    /// of the test QE; empty root CA and PCK CRLs.
    pub fn collateral(&self, tee: TeeKind, issued: i64, next_update: i64) -> IntelCollateral {
        let tdx = tee == TeeKind::Tdx;
        let p = &self.platform;
        let mut tcb = json!({
            "sgxtcbcomponents": svns(&p.cpu_svn),
            "pcesvn": p.pce_svn,
        });
        let mut tcb_info = json!({
            "id": if tdx { "TDX" } else { "SGX" },
            "version": 3,
            "issueDate": iso(issued),
            "nextUpdate": iso(next_update),
            "fmspc": hex::encode_upper(p.fmspc),
            "pceId": "0000",
            "tcbType": 0,
            "tcbEvaluationDataNumber": 17,
        });
        if tdx {
            tcb["tdxtcbcomponents"] = svns(&p.tee_tcb_svn);
            tcb_info["tdxModule"] = json!({
                "mrsigner": hex::encode_upper([0u8; 48]),
                "attributes": "0000000000000000",
                "attributesMask": "FFFFFFFFFFFFFFFF",
            });
        }
        tcb_info["tcbLevels"] = json!([{
            "tcb": tcb,
            "tcbDate": iso(issued),
            "tcbStatus": "UpToDate",
        }]);
        let qe_identity = json!({
            "id": if tdx { "TD_QE" } else { "QE" },
            "version": 2,
            "issueDate": iso(issued),
            "nextUpdate": iso(next_update),
            "tcbEvaluationDataNumber": 17,
            "miscselect": "00000000",
            "miscselectMask": "FFFFFFFF",
            "attributes": format!("{QE_ATTRIBUTES:02X}{}", "0".repeat(30)),
            "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
            "mrsigner": hex::encode_upper(QE_MRSIGNER),
            "isvprodid": qe_isvprodid(tee),
            "tcbLevels": [{
                "tcb": {"isvsvn": QE_ISVSVN},
                "tcbDate": iso(issued),
                "tcbStatus": "UpToDate",
            }],
        });
        let tcb_info = tcb_info.to_string();
        let qe_identity = qe_identity.to_string();
        let signing_chain = pem(&[self.tcb_signer_der.clone(), self.root_der.clone()]);
        IntelCollateral {
            pck_crl_issuer_chain: pem(&[self.pck_ca_der.clone(), self.root_der.clone()]),
            root_ca_crl: crl(&self.root, issued, next_update),
            pck_crl: crl(&self.pck_ca, issued, next_update),
            tcb_info_issuer_chain: signing_chain.clone(),
            tcb_info_signature: sign(&self.tcb_key, tcb_info.as_bytes()),
            tcb_info,
            qe_identity_issuer_chain: signing_chain,
            qe_identity_signature: sign(&self.tcb_key, qe_identity.as_bytes()),
            qe_identity,
            pck_certificate_chain: None,
        }
    }

    /// An SGX quote v3 of an enclave `mrenclave` carrying `report_data`.
    pub fn sgx_quote(&self, report_data: &[u8; 64], mrenclave: &[u8; 32]) -> Vec<u8> {
        let mut body = enclave_report(&self.platform.cpu_svn, 1, 1, report_data);
        body[64..96].copy_from_slice(mrenclave);
        // ATTRIBUTES: INIT | MODE64BIT, not DEBUG.
        body[48] = 0x05;
        body[128..160].copy_from_slice(&[0x11; 32]);
        self.quote(Format::SgxV3, &body)
    }

    /// A TDX quote v4 (TD report 1.0) of a TD `mrtd` carrying `report_data`,
    /// with the attributes verifiers require (SEPT_VE_DISABLE).
    pub fn tdx_quote(&self, report_data: &[u8; 64], mrtd: &[u8; 48]) -> Vec<u8> {
        self.tdx_quote_with_attributes(report_data, mrtd, TD_SEPT_VE_DISABLE)
    }

    /// A TDX quote v4 whose TDATTRIBUTES are `td_attributes`.
    pub fn tdx_quote_with_attributes(
        &self,
        report_data: &[u8; 64],
        mrtd: &[u8; 48],
        td_attributes: u64,
    ) -> Vec<u8> {
        let body = self.td10_body(report_data, mrtd, td_attributes);
        self.quote(Format::TdxV4, &body)
    }

    /// A TDX quote v5 (TD report 1.5) of a TD `mrtd` carrying `report_data`:
    /// the current TCB (TEE_TCB_SVN2) is the launch one, no service TD.
    pub fn tdx_quote_v5(&self, report_data: &[u8; 64], mrtd: &[u8; 48]) -> Vec<u8> {
        let mut body = self.td10_body(report_data, mrtd, TD_SEPT_VE_DISABLE);
        body.extend_from_slice(&self.platform.tee_tcb_svn);
        body.extend_from_slice(&[0; 48]); // MRSERVICETD
        self.quote(Format::TdxV5, &body)
    }

    fn td10_body(&self, report_data: &[u8; 64], mrtd: &[u8; 48], td_attributes: u64) -> Vec<u8> {
        let mut body = vec![0u8; 584];
        body[0..16].copy_from_slice(&self.platform.tee_tcb_svn);
        body[16..64].copy_from_slice(&[0x5E; 48]); // MRSEAM
        body[120..128].copy_from_slice(&td_attributes.to_le_bytes());
        // XFAM: x87, SSE, AVX (the usual minimum).
        body[128] = 0x07;
        body[136..184].copy_from_slice(mrtd);
        body[520..584].copy_from_slice(report_data);
        body
    }

    fn quote(&self, format: Format, body: &[u8]) -> Vec<u8> {
        let (version, tee) = match format {
            Format::SgxV3 => (3u16, TeeKind::Sgx),
            Format::TdxV4 => (4, TeeKind::Tdx),
            Format::TdxV5 => (5, TeeKind::Tdx),
        };
        let tdx = tee == TeeKind::Tdx;
        let mut quote = Vec::new();
        quote.extend_from_slice(&version.to_le_bytes());
        quote.extend_from_slice(&2u16.to_le_bytes()); // ECDSA-256 with P-256
        quote.extend_from_slice(&(if tdx { 0x81u32 } else { 0 }).to_le_bytes());
        quote.extend_from_slice(&QE_ISVSVN.to_le_bytes());
        quote.extend_from_slice(&self.platform.pce_svn.to_le_bytes());
        quote.extend_from_slice(&INTEL_QE_VENDOR_ID);
        quote.extend_from_slice(&[0; 20]);
        if format == Format::TdxV5 {
            // The body descriptor (type 3: TD report 1.5) is signed too.
            quote.extend_from_slice(&3u16.to_le_bytes());
            quote.extend_from_slice(&(body.len() as u32).to_le_bytes());
        }
        quote.extend_from_slice(body);

        let signature = sign(&self.attestation_key, &quote);
        let attestation_key = &self.attestation_key.public_key().as_ref()[1..];
        let auth_data = [0x2A; 32];
        let mut qe_report = enclave_report(
            &self.platform.cpu_svn,
            qe_isvprodid(tee),
            QE_ISVSVN,
            &[0; 64],
        );
        qe_report[48] = QE_ATTRIBUTES;
        qe_report[128..160].copy_from_slice(&QE_MRSIGNER);
        let bound = digest(&SHA256, &[attestation_key, &auth_data].concat());
        qe_report[320..352].copy_from_slice(bound.as_ref());
        let qe_signature = sign(&self.pck_key, &qe_report);

        let chain = pem(&[
            self.pck_der.clone(),
            self.pck_ca_der.clone(),
            self.root_der.clone(),
        ]);
        let mut qe_part = Vec::new();
        qe_part.extend_from_slice(&qe_report);
        qe_part.extend_from_slice(&qe_signature);
        qe_part.extend_from_slice(&(auth_data.len() as u16).to_le_bytes());
        qe_part.extend_from_slice(&auth_data);
        certification_data(&mut qe_part, 5, chain.as_bytes());

        let mut signature_data = Vec::new();
        signature_data.extend_from_slice(&signature);
        signature_data.extend_from_slice(attestation_key);
        if tdx {
            // Type 6: the QE report and its certification data nested.
            certification_data(&mut signature_data, 6, &qe_part);
        } else {
            signature_data.extend_from_slice(&qe_part);
        }
        quote.extend_from_slice(&(signature_data.len() as u32).to_le_bytes());
        quote.extend_from_slice(&signature_data);
        quote
    }
}

/// A quote's version and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    SgxV3,
    TdxV4,
    TdxV5,
}

fn qe_isvprodid(tee: TeeKind) -> u16 {
    if tee == TeeKind::Tdx { 2 } else { 1 }
}

fn certification_data(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
}

/// An SGX enclave report (384 bytes): CPU SVN, ISV product id and SVN,
/// report data; the caller fills in identity and attributes.
fn enclave_report(cpu_svn: &[u8; 16], isvprodid: u16, isvsvn: u16, data: &[u8; 64]) -> Vec<u8> {
    let mut report = vec![0u8; 384];
    report[0..16].copy_from_slice(cpu_svn);
    report[256..258].copy_from_slice(&isvprodid.to_le_bytes());
    report[258..260].copy_from_slice(&isvsvn.to_le_bytes());
    report[320..384].copy_from_slice(data);
    report
}

/// An empty CRL of `issuer`, current in `[issued, next_update)`.
fn crl(issuer: &(Certificate, KeyPair), issued: i64, next_update: i64) -> Vec<u8> {
    let at = |unix| OffsetDateTime::from_unix_timestamp(unix).expect("time");
    CertificateRevocationListParams {
        this_update: at(issued),
        next_update: at(next_update),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer.0, &issuer.1)
    .expect("CRL")
    .der()
    .to_vec()
}
