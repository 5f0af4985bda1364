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
pub mod cli;
pub mod client;
pub mod config;
pub mod daemon;
mod error;
pub mod local;

pub use active::ActiveAttestation;
#[cfg(feature = "sim")]
pub use attester::SimAttester;
pub use attester::{
    Attester, MeasurementLogs, TsmAttester, VirtccaAttester, load_sim, report_data,
};
pub use client::{Attested, ServiceClient, default_crypto_provider};
pub use error::AgentError;
pub use local::LocalVerifier;

/// Loads a signed sim enclave image, attests it through the service at
/// `service_url`, and returns the token's claims (checked against the
/// service's keys, whatever the status) and the status. Without the `sim`
/// feature: [`AgentError::NotBuilt`].
pub async fn attest_enclave(
    service_url: &str,
    image: &std::path::Path,
    runtime_data: Option<&[u8]>,
    policies: &[String],
) -> Result<(secgear_attest::token::EarClaims, String), AgentError> {
    let client = ServiceClient::new(service_url)?;
    let attester = load_sim(image).await?;
    let attested = client.attest(attester, runtime_data, policies).await?;
    let expect = secgear_attest::token::TokenExpectations {
        accept_non_affirming: true,
        ..Default::default()
    };
    let claims = client.verify_token(&attested.token, &expect).await?;
    Ok((claims, attested.status))
}
