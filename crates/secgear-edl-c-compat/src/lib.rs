//! The Rust bindings of `edl/compat.edl`, both sides, which
//! `tests/compat.rs` compares byte for byte with the C bindings
//! `secgear-edl` generates for the same file.
#![forbid(unsafe_code)]

/// What `compat.h` defines for C.
pub mod foreign {
    #[allow(non_camel_case_types)]
    pub type arr4_t = [i32; 4];
    #[allow(non_camel_case_types)]
    pub type counter_ptr = *mut u64;
    pub const HEADER_N: usize = 5;
}

pub mod host {
    #[allow(unused_imports)]
    use super::foreign::*;
    secgear_abi::include_host!("compat");
}

pub mod enclave {
    #[allow(unused_imports)]
    use super::foreign::*;
    secgear_abi::include_enclave!("compat");
}
