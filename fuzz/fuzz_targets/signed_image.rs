#![no_main]
//! The signed-image parser on arbitrary bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = secgear_sign::verify(data);
});
