//! The test enclave's host bindings and image, shared by the integration tests.
#![forbid(unsafe_code)]

pub mod edl {
    secgear_abi::include_host!("tests");
}

/// Host functions that answer at once, for measuring calls (the benchmarks).
pub struct QuietHost;

impl edl::Untrusted for QuietHost {
    fn host_double(&self, x: i32) -> i32 {
        x * 2
    }
    fn host_thread_id(&self) -> u64 {
        0
    }
    fn host_empty(&self) {}
    fn host_thread_id_sw(&self) -> u64 {
        0
    }
    fn host_empty_sw(&self) {}
}

/// The probe image's bindings (`hostile/probe.edl`).
pub mod probe_edl {
    secgear_abi::include_host!("probe");
}

/// Hostile images (`hostile/`): a probe that starts the runtime, one that
/// never does, and one that breaks the call protocol.
pub const PROBE_ENTRY_IMAGE: &str = env!("SECGEAR_PROBE_ENTRY_IMAGE");
pub const PROBE_NO_ENTRY_IMAGE: &str = env!("SECGEAR_PROBE_NO_ENTRY_IMAGE");
pub const ROGUE_IMAGE: &str = env!("SECGEAR_ROGUE_IMAGE");

secgear_host::include_enclave_image!();
