//! The simulation TEE's shared pieces.
//!
//! The simulated enclave is a separate, sandboxed process. It talks to its
//! host only through one memfd-backed shared region ([`channel`]) whose
//! slots carry `secgear-abi` messages, with futex doorbells, so a normal
//! ECALL costs a real context switch as it would on hardware. [`platform`]
//! names the built-in calls the enclave runtime makes to the simulated
//! platform (reports, sealing keys, logging). With the `evidence` feature,
//! [`evidence`] is the format of simulated attestation evidence.

#![deny(unsafe_code)]

pub mod channel;
pub mod futex;
pub mod launch;
pub mod platform;
// The one module that maps and touches shared memory through raw pointers.
#[allow(unsafe_code)]
pub mod shm;

#[cfg(feature = "evidence")]
pub mod evidence;

/// The file descriptor number at which the enclave process finds its channel.
pub const CHANNEL_FD: i32 = 3;
