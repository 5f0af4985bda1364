//! The vocabulary shared by the host, the enclave runtime, the verifiers,
//! the attestation service and its agent. It depends on nothing of
//! secgear-rs, so every crate can use it without pulling in another layer.

#![forbid(unsafe_code)]

pub mod check;
pub mod seal;
pub mod tee;

pub use check::{CheckName, UnknownCheck};
pub use seal::SealPolicy;
pub use tee::{TeeKind, UnknownTee};
