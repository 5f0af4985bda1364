//! Measurement logs beside virtCCA and iTrustee evidence: a UEFI event log
//! replayed into REM0–2, an IMA list into the REM its PCR index names, file
//! digests against the application's allow list.

use aws_lc_rs::signature::{ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use ciborium::Value as Cbor;
use secgear_attest::envelope::Envelope;
use secgear_attest::verifiers::itrustee::ItrusteeVerifier;
use secgear_attest::verifiers::virtcca::VirtccaVerifier;
use secgear_attest::{Check, CheckName, Context, Freshness, TrustAnchors, Verified, Verifier, ima};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().to_vec()
}

/// A TCG2 crypto-agile log with one SHA-256 bank: the Spec ID event, then
/// `(index, type, data)` events measured as SHA-256 of their data.
fn event_log(events: &[(u32, u32, &[u8])]) -> Vec<u8> {
    let mut spec = b"Spec ID Event03\0".to_vec();
    spec.extend_from_slice(&0u32.to_le_bytes()); // platform class
    spec.extend_from_slice(&[0, 2, 0, 2]); // version 2.0, errata 0, uintn size 2
    spec.extend_from_slice(&1u32.to_le_bytes());
    spec.extend_from_slice(&0x000Bu16.to_le_bytes());
    spec.extend_from_slice(&32u16.to_le_bytes());
    spec.push(0); // no vendor info
    let mut log = Vec::new();
    log.extend_from_slice(&0u32.to_le_bytes());
    log.extend_from_slice(&3u32.to_le_bytes()); // EV_NO_ACTION
    log.extend_from_slice(&[0; 20]);
    log.extend_from_slice(&(spec.len() as u32).to_le_bytes());
    log.extend_from_slice(&spec);
    for (index, event_type, data) in events {
        log.extend_from_slice(&index.to_le_bytes());
        log.extend_from_slice(&event_type.to_le_bytes());
        log.extend_from_slice(&1u32.to_le_bytes());
        log.extend_from_slice(&0x000Bu16.to_le_bytes());
        log.extend_from_slice(&sha256(&[data]));
        log.extend_from_slice(&(data.len() as u32).to_le_bytes());
        log.extend_from_slice(data);
    }
    log
}

fn extend(register: &[u8], measurement: &[u8]) -> Vec<u8> {
    sha256(&[register, measurement])
}

/// A virtCCA CVM token (tag 399, CVM token only) with these REMs, signed by
/// a fresh P-521 key it carries: its signature verifies, nothing endorses it.
fn virtcca_token(rem: &[Vec<u8>; 4], rim: &[u8]) -> Vec<u8> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, &rng).expect("key");
    let key =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, pkcs8.as_ref()).expect("key");
    let bytes = |b: &[u8]| Cbor::Bytes(b.to_vec());
    let text = |t: &str| Cbor::Text(t.into());
    let claims = Cbor::Map(vec![
        (Cbor::Integer(10.into()), bytes(&[0xab; 64])),
        (Cbor::Integer(44235.into()), bytes(&[1; 64])),
        (Cbor::Integer(44238.into()), bytes(rim)),
        (
            Cbor::Integer(44239.into()),
            Cbor::Array(rem.iter().map(|r| bytes(r)).collect()),
        ),
        (Cbor::Integer(44236.into()), text("sha-256")),
        (
            Cbor::Integer(44237.into()),
            bytes(key.public_key().as_ref()),
        ),
        (Cbor::Integer(44240.into()), text("sha-256")),
    ]);
    let mut payload = Vec::new();
    ciborium::into_writer(&claims, &mut payload).expect("cbor");
    let protected = coset::HeaderBuilder::new()
        .algorithm(coset::iana::Algorithm::ES512)
        .build();
    let sign1 = coset::CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |data| {
            key.sign(&rng, data).expect("sign").as_ref().to_vec()
        })
        .build();
    let cose = coset::CborSerializable::to_vec(sign1).expect("cose");
    let token = Cbor::Tag(
        399,
        Box::new(Cbor::Map(vec![(
            Cbor::Integer(44241.into()),
            Cbor::Bytes(cose),
        )])),
    );
    let mut out = Vec::new();
    ciborium::into_writer(&token, &mut out).expect("cbor");
    out
}

struct Machine {
    event_log: Vec<u8>,
    ima_log: Vec<u8>,
    token: Vec<u8>,
    rim: Vec<u8>,
    digests: [Vec<u8>; 2],
}

/// A CVM whose REMs are what its logs replay to: boot events in REM0 and
/// REM1 (CCEL indexes 1 and 2), IMA in REM3.
fn machine() -> Machine {
    let kernel = b"/boot/vmlinuz-6.6".as_slice();
    let boot = event_log(&[
        (1, 0x8000_0003, b"shim".as_slice()),
        (2, 0x0D, kernel),
        (
            2,
            0x0D,
            b"kernel_cmdline: console=ttyAMA0 ima_policy=tcb\0".as_slice(),
        ),
    ]);
    let mut rem0 = vec![0u8; 32];
    rem0 = extend(&rem0, &sha256(&[b"shim"]));
    let mut rem1 = vec![0u8; 32];
    rem1 = extend(&rem1, &sha256(&[kernel]));
    rem1 = extend(
        &rem1,
        &sha256(&[b"kernel_cmdline: console=ttyAMA0 ima_policy=tcb\0"]),
    );
    let digests = [vec![0x11u8; 32], vec![0x22u8; 32]];
    let ima_log = ima::encode_ng(&[
        (3, "boot_aggregate", &digests[0]),
        (3, "/usr/bin/app", &digests[1]),
    ]);
    let rem3 = ima::replay_sha256(&ima::parse(&ima_log).expect("ima"))[&3].clone();
    let rim = vec![0x5c; 32];
    let token = virtcca_token(&[rem0, rem1, vec![0; 32], rem3], &rim);
    Machine {
        event_log: boot,
        ima_log,
        token,
        rim,
        digests,
    }
}

fn evidence(token: &[u8], event_log: Option<&[u8]>, ima_log: Option<&[u8]>) -> Vec<u8> {
    let envelope = Envelope {
        evidence: token.to_vec(),
        event_log: event_log.map(<[u8]>::to_vec),
        ima_log: ima_log.map(<[u8]>::to_vec),
        ..Envelope::default()
    };
    serde_json::to_vec(&envelope.to_json()).expect("json")
}

fn verify(evidence: &[u8], references: &BTreeMap<String, Vec<Value>>) -> Verified {
    let anchors = TrustAnchors::empty();
    let context = Context::now(&anchors).with_references(references);
    VirtccaVerifier
        .verify(evidence, &Freshness::Unchecked, &context)
        .expect("well-formed")
}

fn allow(rim: &[u8], digests: &[&[u8]]) -> BTreeMap<String, Vec<Value>> {
    BTreeMap::from([(
        format!("ima.{}", hex::encode(rim)),
        digests
            .iter()
            .map(|d| Value::String(hex::encode(d)))
            .collect(),
    )])
}

#[test]
fn virtcca_logs_replay_into_the_rems_and_every_file_is_allowed() {
    let m = machine();
    let all = allow(&m.rim, &[&m.digests[0], &m.digests[1]]);
    let v = verify(
        &evidence(&m.token, Some(&m.event_log), Some(&m.ima_log)),
        &all,
    );
    assert_eq!(v.checks[&CheckName::Signature], Check::Ok);
    assert_eq!(v.checks[&CheckName::EventLog], Check::Ok, "{:?}", v.checks);
    assert_eq!(v.checks[&CheckName::Ima], Check::Ok, "{:?}", v.checks);
    let boot = &v.claims["event_log"];
    assert_eq!(
        boot["boot_applications"],
        json!([hex::encode(sha256(&[b"shim"]))])
    );
    assert_eq!(boot["kernel"], hex::encode(sha256(&[b"/boot/vmlinuz-6.6"])));
    assert_eq!(boot["kernel_cmdline"], "console=ttyAMA0 ima_policy=tcb");
    assert_eq!(v.claims["ima"]["entries"], 2);
    assert_eq!(v.claims["ima"]["unknown_files"], json!([]));
}

#[test]
fn an_unknown_file_is_named_and_fails_the_ima_check() {
    let m = machine();
    let partial = allow(&m.rim, &[&m.digests[0]]);
    let v = verify(&evidence(&m.token, None, Some(&m.ima_log)), &partial);
    match &v.checks[&CheckName::Ima] {
        Check::Failed(why) => assert!(why.contains("/usr/bin/app"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(v.claims["ima"]["unknown_files"], json!(["/usr/bin/app"]));
    // Another application's allow list does not serve.
    let other = allow(&[0x77; 32], &[&m.digests[0], &m.digests[1]]);
    let v = verify(&evidence(&m.token, None, Some(&m.ima_log)), &other);
    assert!(matches!(v.checks[&CheckName::Ima], Check::Failed(_)));
}

#[test]
fn logs_that_do_not_replay_to_the_rems_fail_their_checks() {
    let m = machine();
    let all = allow(&m.rim, &[&m.digests[0], &m.digests[1], &[0x33; 32]]);
    let other_ima = ima::encode_ng(&[
        (3, "boot_aggregate", &m.digests[0]),
        (3, "/usr/bin/app", &[0x33; 32]),
    ]);
    let v = verify(&evidence(&m.token, None, Some(&other_ima)), &all);
    match &v.checks[&CheckName::Ima] {
        Check::Failed(why) => assert!(why.contains("replays register 3"), "{why}"),
        other => panic!("{other:?}"),
    }
    let other_boot = event_log(&[(1, 0x8000_0003, b"grub".as_slice())]);
    let v = verify(&evidence(&m.token, Some(&other_boot), None), &all);
    assert!(matches!(v.checks[&CheckName::EventLog], Check::Failed(_)));
    assert!(
        v.claims.get("event_log").is_none(),
        "no claims from a log that does not match"
    );
    // Junk logs are failed checks, not malformed evidence.
    let v = verify(&evidence(&m.token, Some(b"junk"), Some(b"junk")), &all);
    assert!(matches!(v.checks[&CheckName::EventLog], Check::Failed(_)));
    assert!(matches!(v.checks[&CheckName::Ima], Check::Failed(_)));
    // Without logs there is nothing to check.
    let v = verify(&evidence(&m.token, None, None), &all);
    assert!(
        !v.checks.contains_key(&CheckName::Ima) && !v.checks.contains_key(&CheckName::EventLog)
    );
}

#[test]
fn an_itrustee_report_must_bind_the_ima_log_it_comes_with() {
    let report = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/itrustee/report-sce-no-as.json"
    ))
    .expect("vector");
    let log = ima::encode_ng(&[(10, "/bin/sh", &[1; 32])]);
    let anchors = TrustAnchors::empty();
    let v = ItrusteeVerifier
        .verify(
            &evidence(&report, None, Some(&log)),
            &Freshness::Unchecked,
            &Context::now(&anchors),
        )
        .expect("well-formed");
    match &v.checks[&CheckName::Ima] {
        Check::Failed(why) => assert!(why.contains("binds IMA log"), "{why}"),
        other => panic!("{other:?}"),
    }
    // The report itself is still read as before.
    let plain = ItrusteeVerifier
        .verify(&report, &Freshness::Unchecked, &Context::now(&anchors))
        .expect("well-formed");
    assert_eq!(
        plain.checks[&CheckName::Signature],
        v.checks[&CheckName::Signature]
    );
}

proptest::proptest! {
    #[test]
    fn ima_lists_cut_or_random_never_panic(cut in 0usize..400, noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
        let log = ima::encode_ng(&[(10, "/bin/sh", &[1; 32]), (10, "/usr/lib/libc.so", &[2; 32])]);
        let cut = cut.min(log.len());
        let _ = ima::parse(&log[..cut]);
        let _ = ima::parse(&noise);
        let mut spliced = log[..cut].to_vec();
        spliced.extend_from_slice(&noise);
        let _ = ima::parse(&spliced);
    }
}

#[test]
fn a_failed_ima_check_contraindicates_the_executables_whatever_the_policy() {
    let m = machine();
    let mut references = secgear_attest::ReferenceValues::new();
    references
        .add(secgear_attest::reference::ReferenceValue::new(
            format!("ima.{}", hex::encode(&m.rim)),
            Value::String(hex::encode(&m.digests[0])),
        ))
        .expect("reference");
    let appraiser = secgear_attest::Appraiser::new(
        TrustAnchors::empty(),
        references,
        secgear_attest::Mode::Production,
    );
    let appraisal = appraiser
        .appraise(
            secgear_attest::TeeKind::Virtcca,
            &evidence(&m.token, None, Some(&m.ima_log)),
            &Freshness::Unchecked,
            None,
        )
        .expect("appraisal");
    assert!(matches!(
        appraisal.verified.checks[&CheckName::Ima],
        Check::Failed(_)
    ));
    assert_eq!(appraisal.trust_vector["executables"], 96);
}
