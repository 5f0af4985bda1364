//! TCG2 event logs: the TDX CCEL vector (trustee's reference output) and
//! synthetic logs for SHA-256/SHA-512/SM3, plus hostile input.

use proptest::prelude::*;
use secgear_attest::eventlog::{self, DigestAlg, EventLogError};

const CCEL_HEAD: &[u8] = include_bytes!("data/eventlog/CCEL_data.head");
const CCEL_REFERENCE: &str = include_str!("data/eventlog/CCEL_data_out.json");

/// As the ACPI table holds it: the log, zero-padded to 1 MiB.
fn ccel() -> Vec<u8> {
    let mut log = CCEL_HEAD.to_vec();
    log.resize(1 << 20, 0);
    log
}

#[test]
fn the_ccel_vector_lists_the_reference_events_and_replays_its_digests() {
    let log = eventlog::parse(&ccel()).expect("parses");
    assert_eq!(log.algorithms, [(0x000C, 48)]);
    let reference: serde_json::Value = serde_json::from_str(CCEL_REFERENCE).expect("json");
    let expected = reference["uefi_event_logs"].as_array().expect("events");
    let json = log.to_json();
    let listed = json["events"].as_array().expect("events");
    assert_eq!(listed.len(), expected.len());
    for (ours, theirs) in listed.iter().zip(expected) {
        assert_eq!(ours["index"], theirs["index"]);
        assert_eq!(ours["type_name"], theirs["type_name"]);
        assert_eq!(ours["digests"], theirs["digests"]);
    }
    // The registers, replayed independently from the reference's digests.
    assert_eq!(
        json["registers"],
        serde_json::json!({
            "1": {"SHA-384": "2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4"},
            "2": {"SHA-384": "0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec28cd3cf"},
        })
    );
    // Cut anywhere inside the log: refused as truncated, never a panic.
    let end = CCEL_HEAD.len() - 64;
    for cut in [10, 40, 100, end / 2, end - 1] {
        assert!(
            matches!(
                eventlog::parse(&CCEL_HEAD[..cut]),
                Err(EventLogError::Truncated { .. })
            ),
            "cut at {cut}"
        );
    }
}

/// (register index, event type, (TCG algorithm id, digest) per algorithm).
type SyntheticEvent = (u32, u32, Vec<(u16, Vec<u8>)>);

/// A log declaring `algs` (TCG id, size) with `events`.
fn synthetic(algs: &[(u16, u16)], events: &[SyntheticEvent]) -> Vec<u8> {
    let mut spec = b"Spec ID Event03\0".to_vec();
    spec.extend_from_slice(&0u32.to_le_bytes()); // platform class
    spec.extend_from_slice(&[0, 2, 0, 2]); // version 2.0, errata 0, uintn 64-bit
    spec.extend_from_slice(&(algs.len() as u32).to_le_bytes());
    for (id, size) in algs {
        spec.extend_from_slice(&id.to_le_bytes());
        spec.extend_from_slice(&size.to_le_bytes());
    }
    spec.push(0); // no vendor info
    let mut out = Vec::new();
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&eventlog::EV_NO_ACTION.to_le_bytes());
    out.extend_from_slice(&[0; 20]);
    out.extend_from_slice(&(spec.len() as u32).to_le_bytes());
    out.extend_from_slice(&spec);
    for (index, event_type, digests) in events {
        out.extend_from_slice(&index.to_le_bytes());
        out.extend_from_slice(&event_type.to_le_bytes());
        out.extend_from_slice(&(digests.len() as u32).to_le_bytes());
        for (alg, digest) in digests {
            out.extend_from_slice(&alg.to_le_bytes());
            out.extend_from_slice(digest);
        }
        let data = b"event data";
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

#[test]
fn sm3_and_sha2_banks_replay_per_register_and_no_action_events_are_skipped() {
    // SM3 as GM/T 0004-2012 defines it (the standard's "abc" example).
    assert_eq!(
        hex::encode(DigestAlg::Sm3.hash(&[b"abc"])),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    let (a, b) = (vec![0x11u8; 32], vec![0x22u8; 64]);
    let sm3 = |x: &[u8]| DigestAlg::Sm3.hash(&[&[0u8; 32], x]);
    let bytes = synthetic(
        &[(0x0012, 32), (0x000D, 64), (0x0004, 20)],
        &[
            (
                0,
                0x8000_000A,
                vec![
                    (0x0012, a.clone()),
                    (0x000D, b.clone()),
                    (0x0004, vec![9; 20]),
                ],
            ),
            (0, eventlog::EV_NO_ACTION, vec![(0x0012, vec![0x33; 32])]),
            (7, 0x4, vec![(0x0012, a.clone())]),
        ],
    );
    let log = eventlog::parse(&bytes).expect("parses");
    let registers = log.replay();
    assert_eq!(registers[&0][&DigestAlg::Sm3], sm3(&a));
    assert_eq!(
        registers[&0][&DigestAlg::Sha512],
        DigestAlg::Sha512.hash(&[&[0u8; 64], &b])
    );
    assert_eq!(registers[&7][&DigestAlg::Sm3], sm3(&a));
    // SHA-1 digests are skipped over, not listed or replayed.
    assert_eq!(registers[&0].len(), 2);
    let json = log.to_json();
    assert_eq!(json["events"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        json["events"][0]["type_name"],
        "EV_EFI_PLATFORM_FIRMWARE_BLOB2"
    );
    assert_eq!(json["events"][0]["digests"][0]["alg"], "SM3");
    // 0xFF padding ends a log as zeros do.
    let mut padded = bytes.clone();
    padded.extend_from_slice(&[0xFF; 100]);
    assert_eq!(eventlog::parse(&padded).expect("padded"), log);
}

#[test]
fn malformed_logs_are_refused_with_the_reason() {
    let good = synthetic(&[(0x000B, 32)], &[(1, 0x4, vec![(0x000B, vec![1; 32])])]);
    assert!(eventlog::parse(&good).is_ok());
    // A digest of an algorithm the Spec ID event did not declare.
    let undeclared = synthetic(&[(0x000B, 32)], &[(1, 0x4, vec![(0x000C, vec![1; 48])])]);
    assert!(matches!(
        eventlog::parse(&undeclared),
        Err(EventLogError::UndeclaredAlgorithm { alg: 0x000C, .. })
    ));
    // A known algorithm declared with the wrong size.
    let wrong_size = synthetic(&[(0x000B, 20)], &[]);
    assert!(matches!(
        eventlog::parse(&wrong_size),
        Err(EventLogError::DigestSize { alg: 0x000B, .. })
    ));
    // Not a crypto-agile log.
    let mut legacy = good.clone();
    legacy[32] = b'X';
    assert_eq!(eventlog::parse(&legacy), Err(EventLogError::NoSpecId));
    assert!(matches!(
        eventlog::parse(&[]),
        Err(EventLogError::Truncated { .. })
    ));
    assert_eq!(eventlog::type_name(0x1234), "0x00001234");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = eventlog::parse(&bytes).map(|log| log.to_json());
    }

    #[test]
    fn any_flip_or_cut_of_the_ccel_log_never_panics(at in 0usize..5756, bit in 0u8..8, cut in 0usize..5820) {
        let mut log = CCEL_HEAD.to_vec();
        log[at] ^= 1 << bit;
        let _ = eventlog::parse(&log).map(|l| l.to_json());
        let _ = eventlog::parse(&CCEL_HEAD[..cut]);
    }
}
