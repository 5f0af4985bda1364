//! One folder per TEE, with the same files: `mod.rs` (the backend),
//! `loader.rs` (create an enclave), and for hardware `probe.rs` (what is on
//! this machine). The simulation adds `platform.rs` (the simulated hardware
//! secrets), `confine.rs` and `spawn.rs` (the sandboxed process) and
//! `switchless.rs`.

#[cfg(any(feature = "sgx", feature = "itrustee", feature = "penglai"))]
mod hardware;
#[cfg(feature = "itrustee")]
pub mod itrustee;
#[cfg(feature = "penglai")]
pub mod penglai;
#[cfg(feature = "sgx")]
pub mod sgx;
#[cfg(feature = "sim")]
pub mod sim;
