//! The simulation TEE's enclave runtime: the process the host's sim
//! backend starts. It attaches the channel, sandboxes itself, serves one
//! call slot per thread (and the switchless pool), and is the [`Platform`]
//! the enclave API runs on: OCALLs and platform calls travel over the slot
//! of the ECALL in progress.
//!
//! [`Platform`]: crate::platform::Platform

mod arena;
mod platform;
mod runtime;
mod sandbox;

pub use runtime::run;
