//! The helloworld enclave.
#![forbid(unsafe_code)]

mod edl {
    secgear_abi::include_enclave!("helloworld");
}

struct Hello;

impl edl::Trusted for Hello {
    fn get_string(&self, buf: &mut [u8; 32]) -> i32 {
        let greeting = b"secgear hello world!\0";
        buf[..greeting.len()].copy_from_slice(greeting);
        0
    }
}

secgear_enclave::entry!(edl, Hello);
