//! The secgear-rs attestation agent: what an application links (or runs as
//! a daemon, or calls through the C ABI of `secgear-agent-capi`) to get
//! evidence from its TEE and turn it into trust.
//!
//! - Service mode ([`ServiceClient`]): challenge, evidence, token from the
//!   attestation service; tokens checked against its published keys.
//! - Peer-to-peer mode ([`LocalVerifier`]): evidence appraised locally with
//!   the attestation core, no service.
//! - [`ActiveAttestation`]: a token kept fresh in the background.
#![forbid(unsafe_code)]

pub mod active;
pub mod attester;
pub mod client;
pub mod config;
pub mod daemon;
mod error;
pub mod local;

pub use active::ActiveAttestation;
pub use attester::{Attester, SimAttester, TsmAttester, VirtccaAttester, report_data};
pub use client::{Attested, ServiceClient};
pub use error::AgentError;
pub use local::LocalVerifier;
