//! One folder per TEE, with the same files: `mod.rs` (the backend),
//! `loader.rs` (create an enclave), and for hardware `probe.rs` (is the
//! device present?). The simulation adds `platform.rs`, the simulated
//! hardware secrets.

pub mod itrustee;
pub mod penglai;
pub mod sgx;
pub mod sim;
