#![no_main]
//! The call-message reader on arbitrary bytes.

use secgear_abi::{Reader, UserPtr};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok((_, mut r)) = Reader::request(data) {
        let _ = r.get::<u32>();
        let _ = r.get_vec::<u8>();
        let _ = r.get_vec::<UserPtr>();
        let _ = r.get_out_count::<u64>();
        let _ = r.get_cstring();
        let _ = r.finish();
    }
    let _ = Reader::reply(data);
});
