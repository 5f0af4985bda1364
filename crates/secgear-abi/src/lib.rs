//! The wire format and call seam shared by secGear hosts and enclaves.
//!
//! Code generated from an EDL file (see `secgear-edl`) marshals every call
//! into one flat, versioned, bounds-checked message ([`wire`]) and hands it to
//! a [`Transport`]. The same crate is linked on both sides of the boundary,
//! so both agree on the layout by construction.
#![forbid(unsafe_code)]

pub mod arena;
pub mod async_call;
mod async_id;
pub mod error;
pub mod status;
pub mod transport;
pub mod wire;

pub use async_call::{AsyncCall, AsyncId, Submitted};
pub use error::{Error, ErrorCode};
pub use transport::{
    EcallContext, FunctionInfo, NoOcalls, OcallDispatch, Transport, last_ocall_errno,
};
pub use wire::{CallKind, OwnedReader, Reader, RequestHeader, UserPtr, WIRE_VERSION, Wire, Writer};

/// Includes the host-side code that `secgear_edl::Builder` generated for the
/// EDL file with the given stem.
///
/// ```ignore
/// pub mod helloworld {
///     secgear_abi::include_host!("helloworld");
/// }
/// ```
#[macro_export]
macro_rules! include_host {
    ($stem:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $stem, "_host.rs"));
    };
}

/// Includes the enclave-side code that `secgear_edl::Builder` generated for
/// the EDL file with the given stem.
#[macro_export]
macro_rules! include_enclave {
    ($stem:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $stem, "_enclave.rs"));
    };
}

/// Layout arithmetic used by generated code.
pub mod layout {
    /// The size of a C union with members of the given sizes and alignments:
    /// the largest member, rounded up to the largest alignment.
    pub const fn union_size(sizes: &[usize], aligns: &[usize]) -> usize {
        let (mut size, mut align) = (0, 1);
        let mut i = 0;
        while i < sizes.len() {
            if sizes[i] > size {
                size = sizes[i];
            }
            i += 1;
        }
        i = 0;
        while i < aligns.len() {
            if aligns[i] > align {
                align = aligns[i];
            }
            i += 1;
        }
        size.div_ceil(align) * align
    }
}
