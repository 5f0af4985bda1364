//! The Noise parameters, shared by both ends.

use crate::error::{ChannelError, HandshakeError, NoiseError, NoiseStep, Result};

/// XX: both static keys travel encrypted; the enclave's is then bound to
/// attestation, the client's optionally checked against an allow list.
pub const PATTERN: &str = "Noise_XX_25519_AESGCM_SHA256";
/// The prologue binds the protocol name and version into the handshake hash.
pub const PROLOGUE: &[u8] = b"secgear-channel/1";

/// The prologue with the record settings both sides must share: a client
/// and an enclave that disagree on them fail the handshake instead of
/// failing records later.
pub fn prologue(rekey_after: u64) -> Vec<u8> {
    let mut p = PROLOGUE.to_vec();
    p.extend_from_slice(&rekey_after.to_le_bytes());
    p
}

pub fn params() -> Result<snow::params::NoiseParams> {
    PATTERN
        .parse()
        .map_err(handshake_error(NoiseStep::Parameters))
}

/// A static X25519 key pair: (private, public).
pub fn generate_static_key() -> Result<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>)> {
    let kp = snow::Builder::new(params()?)
        .generate_keypair()
        .map_err(handshake_error(NoiseStep::KeyGeneration))?;
    Ok((zeroize::Zeroizing::new(kp.private), kp.public))
}

/// The handshake's error for a failure of snow at `step`.
pub fn handshake_error(step: NoiseStep) -> impl FnOnce(snow::Error) -> ChannelError {
    move |e| HandshakeError::Noise(NoiseError::new(step, e)).into()
}
