//! Measurement logs shipped beside evidence, checked against the registers
//! the evidence reports: TCG2 event logs (UEFI / CCEL) and IMA lists.

use crate::eventlog::{self, DigestAlg};
use crate::ima;
use crate::verifier::Check;
use serde_json::Value;

/// Replays an event log and compares register `i` of `reported` with the
/// log's index `i + 1` (CCEL numbers the measurement registers from 1:
/// index 0 is the build-time one, MRTD / RIM). A register the log never
/// extends must be zero, except the last, which the runtime may extend
/// after boot. Returns the boot claims when the log matches.
pub fn check_event_log(log: &[u8], alg: DigestAlg, reported: &[Vec<u8>]) -> (Check, Option<Value>) {
    let parsed = match eventlog::parse(log) {
        Ok(p) => p,
        Err(e) => return (Check::Failed(format!("event log: {e}")), None),
    };
    let registers = parsed.replay();
    for (i, value) in reported.iter().enumerate() {
        let index = i as u32 + 1;
        let replayed = match registers.get(&index).and_then(|banks| banks.get(&alg)) {
            Some(r) => r.clone(),
            None if i + 1 == reported.len() => continue,
            None => vec![0u8; alg.digest_len()],
        };
        if replayed != *value {
            return (
                Check::Failed(format!(
                    "register {i} is {} but the event log replays to {}",
                    hex::encode(value),
                    hex::encode(&replayed)
                )),
                None,
            );
        }
    }
    (Check::Ok, Some(parsed.boot_claims()))
}

/// Parses and appraises an IMA list (see [`ima::appraise`]).
pub fn check_ima(
    log: &[u8],
    binding: ima::Binding<'_>,
    allowed: &[Value],
) -> (Check, Option<Value>) {
    match ima::parse(log) {
        Err(e) => (Check::Failed(e.to_string()), None),
        Ok(entries) => {
            let appraisal = ima::appraise(&entries, binding, allowed);
            let check = match appraisal.failure {
                None => Check::Ok,
                Some(why) => Check::Failed(why),
            };
            (check, Some(appraisal.claims))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ccel() -> Vec<u8> {
        let mut log = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/eventlog/CCEL_data.head"
        ))
        .expect("vector");
        log.resize(1 << 20, 0);
        log
    }

    #[test]
    fn the_ccel_vector_matches_the_registers_it_replays_to_and_nothing_else() {
        let log = ccel();
        let replayed = eventlog::parse(&log).expect("parses").replay();
        let bank = |i: u32| replayed[&i][&DigestAlg::Sha384].clone();
        // RTMR0, RTMR1 from the log; RTMR2 never extended (zero); RTMR3 the runtime's.
        let rtmrs = [bank(1), bank(2), vec![0; 48], vec![0x42; 48]];
        assert_eq!(
            check_event_log(&log, DigestAlg::Sha384, &rtmrs).0,
            Check::Ok
        );
        for i in 0..3 {
            let mut wrong = rtmrs.clone();
            wrong[i][0] ^= 1;
            let (check, claims) = check_event_log(&log, DigestAlg::Sha384, &wrong);
            assert!(matches!(check, Check::Failed(_)), "register {i}");
            assert!(claims.is_none());
        }
        // The SHA-256 bank is not in this log: all its registers read zero.
        assert!(matches!(
            check_event_log(&log, DigestAlg::Sha256, &[vec![1; 32], vec![0; 32]]).0,
            Check::Failed(_)
        ));
    }
}
