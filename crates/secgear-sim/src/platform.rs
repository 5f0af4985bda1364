//! Built-in calls from the enclave runtime to the simulated platform. They
//! travel as requests of kind [`CallKind::Platform`](secgear_abi::CallKind)
//! through the same slot as OCALLs; the platform, not the host application,
//! answers them.

/// `level:u8, target:string, message:string` → nothing.
pub const LOG: u32 = 0;
/// `report_data:[u8;64]` → evidence bytes (see [`crate::evidence`]).
pub const REPORT: u32 = 1;
/// `policy:u8, salt:[u8;32], svn:u16` → `key:[u8;32], svn:u16`: the sealing
/// key bound to this enclave's identity. `svn` is the security version the
/// key is for: [`CURRENT_SVN`] asks for the enclave's own; an older one may
/// be asked for (to unseal data from an earlier version), a newer one never.
pub const SEAL_KEY: u32 = 2;

/// In a [`SEAL_KEY`] request: the enclave's own security version.
pub const CURRENT_SVN: u16 = u16::MAX;

pub use secgear_types::SealPolicy;

/// Log levels as carried by [`LOG`].
pub mod level {
    pub const ERROR: u8 = 1;
    pub const WARN: u8 = 2;
    pub const INFO: u8 = 3;
    pub const DEBUG: u8 = 4;
    pub const TRACE: u8 = 5;
}
