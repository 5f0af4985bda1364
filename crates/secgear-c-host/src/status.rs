//! `cc_enclave_res2_str`: the original's text for each code.

use crate::types::cc_enclave_result_t;
use std::ffi::c_char;

/// The description of a result code, as a static string (never null).
#[unsafe(no_mangle)]
pub extern "C" fn cc_enclave_res2_str(result: cc_enclave_result_t) -> *const c_char {
    secgear_abi::status::c_text(result).as_ptr()
}
