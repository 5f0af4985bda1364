#![no_main]
//! The EDL front end on arbitrary text: diagnostics, never a panic or a hang.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let compiled =
        secgear_edl::compile_str(std::path::Path::new("fuzz.edl"), text, &Default::default());
    let _ = compiled.render_diagnostics();
    if !compiled.has_errors() {
        for side in [secgear_edl::Side::Host, secgear_edl::Side::Enclave] {
            assert!(
                compiled.generate(side, &Default::default()).is_ok(),
                "a checked program must generate"
            );
        }
    }
});
