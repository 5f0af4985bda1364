//! The code `secgear-edl` generates for `edl/kitchen.edl`, both sides, so
//! tests can wire a host client to an enclave dispatcher in memory.
#![forbid(unsafe_code)]

/// Foreign types the EDL names (they would come from `kitchen.h` in C).
pub mod foreign {
    #[allow(non_camel_case_types)]
    pub type array_t = [i32; 4];
    /// A dimension constant `kitchen.h` would define.
    pub const HEADER_DIM: usize = 3;
}

pub mod host {
    #[allow(unused_imports)]
    use super::foreign::*;
    secgear_abi::include_host!("kitchen");
}

pub mod enclave {
    #[allow(unused_imports)]
    use super::foreign::*;
    secgear_abi::include_enclave!("kitchen");
}

/// The hello-world EDL: no OCALLs, so the empty-table paths are compiled too.
pub mod hello {
    pub mod host {
        secgear_abi::include_host!("helloworld");
    }
    pub mod enclave {
        secgear_abi::include_enclave!("helloworld");
    }
}

pub mod loopback;
