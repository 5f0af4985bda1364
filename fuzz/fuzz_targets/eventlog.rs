#![no_main]
//! The TCG2 event-log parser and replay on arbitrary bytes: an error or a
//! log, never a panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(log) = secgear_attest::eventlog::parse(data) {
        let _ = log.to_json();
    }
});
