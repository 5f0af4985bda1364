#![no_main]
//! IMA binary measurement lists: parse, replay and appraise.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = secgear_attest::ima::parse(data) {
        let registers = secgear_attest::ima::replay_sha256(&entries);
        let lookup = |pcr: u32| registers.get(&pcr).cloned();
        let _ = secgear_attest::ima::appraise(
            &entries,
            secgear_attest::ima::Binding::Registers(&lookup),
            &[],
        );
    }
});
