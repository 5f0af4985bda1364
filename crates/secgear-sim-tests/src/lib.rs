//! The test enclave's host bindings and image, shared by the integration tests.
#![forbid(unsafe_code)]

pub mod edl {
    secgear_abi::include_host!("tests");
}

secgear_host::include_enclave_image!();
