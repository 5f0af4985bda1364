//! The switchless enclave: one greeting, two ways to ask for it.
#![forbid(unsafe_code)]

mod edl {
    secgear_abi::include_enclave!("switchless");
}

struct Greeter;

const GREETING: &[u8] = b"secgear hello world!\0";

impl edl::Trusted for Greeter {
    fn get_string(&self, buf: &mut [u8; 32]) -> i32 {
        buf[..GREETING.len()].copy_from_slice(GREETING);
        0
    }

    fn get_string_switchless(&self, buf: &mut [u8; 32]) -> i32 {
        buf[..GREETING.len()].copy_from_slice(GREETING);
        0
    }
}

secgear_enclave::entry!(edl, Greeter);
