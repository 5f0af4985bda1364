//! Measurement logs shipped beside evidence, checked against the registers
//! the evidence reports: TCG2 event logs (UEFI / CCEL) and IMA lists.

use crate::eventlog::{self, DigestAlg};
use crate::ima;
use crate::verifier::Check;
use serde_json::Value;

/// Replays an event log and compares register `i` of `reported` with the
/// log's index `i + 1` (CCEL numbers the measurement registers from 1:
/// index 0 is the build-time one, MRTD / RIM). Registers the log never
/// extends are not compared: the runtime may extend them (IMA, a container
/// runtime), and no claim is drawn from them. A log extending a register
/// the evidence does not report fails. Returns the boot claims when the
/// log matches.
pub fn check_event_log(log: &[u8], alg: DigestAlg, reported: &[Vec<u8>]) -> (Check, Option<Value>) {
    let parsed = match eventlog::parse(log) {
        Ok(p) => p,
        Err(e) => return (Check::Failed(format!("event log: {e}")), None),
    };
    let registers = parsed.replay();
    let mut compared = Vec::new();
    for (index, banks) in &registers {
        let Some(replayed) = banks.get(&alg) else {
            continue;
        };
        // Index 0 (build-time measurements) is not a runtime register.
        let Some(i) = index.checked_sub(1) else {
            continue;
        };
        let Some(value) = reported.get(i as usize) else {
            return (
                Check::Failed(format!(
                    "the event log extends index {index}, a register the evidence does not report"
                )),
                None,
            );
        };
        if replayed != value {
            return (
                Check::Failed(format!(
                    "register {i} is {} but the event log replays to {}",
                    hex::encode(value),
                    hex::encode(replayed)
                )),
                None,
            );
        }
        compared.push(*index);
    }
    if compared.is_empty() {
        return (
            Check::Failed(format!("the event log has no {} measurements", alg.name())),
            None,
        );
    }
    (Check::Ok, Some(parsed.boot_claims(alg, &compared)))
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
        // RTMR0, RTMR1 from the log; RTMR2 and RTMR3 never extended by it.
        let rtmrs = [bank(1), bank(2), vec![0x17; 48], vec![0x42; 48]];
        assert_eq!(
            check_event_log(&log, DigestAlg::Sha384, &rtmrs).0,
            Check::Ok
        );
        for i in 0..2 {
            let mut wrong = rtmrs.clone();
            wrong[i][0] ^= 1;
            let (check, claims) = check_event_log(&log, DigestAlg::Sha384, &wrong);
            assert!(matches!(check, Check::Failed(_)), "register {i}");
            assert!(claims.is_none());
        }
        // The SHA-256 bank is not in this log: nothing to compare is a failure.
        assert!(matches!(
            check_event_log(&log, DigestAlg::Sha256, &[vec![1; 32], vec![0; 32]]).0,
            Check::Failed(_)
        ));
        // A register the evidence does not report.
        assert!(matches!(
            check_event_log(&log, DigestAlg::Sha384, &rtmrs[..1]).0,
            Check::Failed(_)
        ));
    }
}
