//! What ties the Noise session to attestation: the enclave's evidence
//! carries, in its report data, a digest over a domain-separation label, the
//! protocol version, the handshake hash and the enclave's static key. A
//! party in the middle runs two handshakes with two different hashes (and
//! its own static key), so evidence made for one cannot vouch for the other.

use sha2::{Digest, Sha256};

pub const LABEL: &[u8] = b"secgear-channel attestation binding";

/// The second half of the report data of channel evidence. Enclave runtimes
/// refuse to sign report data ending in it on anyone else's behalf (their
/// generic report call included), so a host cannot obtain evidence for a
/// handshake it runs itself.
pub const REPORT_TAG: [u8; 32] = *b"secgear-channel binding tag v1\0\0";

/// Whose evidence: the enclave's, or (mutual attestation) the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Enclave = 1,
    Client = 2,
}

/// The 64 bytes of report data `role`'s evidence must carry.
pub fn report_data(role: Role, handshake_hash: &[u8], static_key: &[u8]) -> [u8; 64] {
    let digest = Sha256::new()
        .chain_update(LABEL)
        .chain_update([crate::VERSION, role as u8])
        .chain_update((handshake_hash.len() as u32).to_le_bytes())
        .chain_update(handshake_hash)
        .chain_update((static_key.len() as u32).to_le_bytes())
        .chain_update(static_key)
        .finalize();
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&digest);
    out[32..].copy_from_slice(&REPORT_TAG);
    out
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Enclave => "enclave",
            Role::Client => "client",
        })
    }
}

/// Why this side's evidence could not be made, in its producer's words:
/// the TEE runtime's report call is on the far side of a boundary that
/// carries messages, not error types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvidenceError(pub String);

/// Produces this side's evidence over report data (inside the enclave:
/// the runtime's report).
pub trait EvidenceProvider: Send + Sync {
    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, EvidenceError>;
}

/// A closure whose failure is its message (as the enclave runtime's report
/// call gives it).
impl<F: Fn(&[u8; 64]) -> Result<Vec<u8>, String> + Send + Sync> EvidenceProvider for F {
    fn evidence(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, EvidenceError> {
        self(report_data).map_err(EvidenceError)
    }
}

/// Why a verifier refused evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Genuine evidence that does not carry this session's binding: made
    /// for another handshake or key, i.e. someone is in the middle.
    Binding,
    /// Anything else: unknown platform, wrong measurement, malformed, ...
    Evidence(String),
}

impl From<String> for Refusal {
    fn from(why: String) -> Self {
        Refusal::Evidence(why)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Binding => {
                f.write_str("binding: the evidence does not carry this session's handshake and key")
            }
            Refusal::Evidence(why) => f.write_str(why),
        }
    }
}

/// Decides whether evidence is from an acceptable enclave and carries
/// `report_data` (the binding). See `AppraisalVerifier` for the attestation
/// core's, peer to peer.
pub trait EvidenceVerifier: Send + Sync {
    fn verify(&self, evidence: &[u8], report_data: &[u8; 64]) -> Result<(), Refusal>;
}
