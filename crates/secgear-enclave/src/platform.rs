//! The seam between the enclave API and the TEE it runs on.
//!
//! Everything enclave code reaches — sealing keys, attestation evidence,
//! randomness, log forwarding, the host's shared buffers and the OCALL path
//! — goes through one [`Platform`], installed once when the enclave starts.
//! The simulation TEE's runtime (`crate::sim`) is one implementation; a
//! hardware runtime implements the same methods with its instructions
//! (EREPORT and EGETKEY on SGX, the TA API on iTrustee, ...).

use secgear_abi::{Error, ErrorCode};
use secgear_types::SealPolicy;
use zeroize::Zeroizing;

/// Attestation evidence produced by the platform for this enclave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence(pub Vec<u8>);

/// Which security version a sealing key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyVersion {
    /// The running enclave's own.
    Current,
    /// A given one, at most the enclave's own: to open data sealed before
    /// an upgrade. The platform refuses a later one.
    At(u16),
}

/// What a TEE provides to the enclave runtime.
pub trait Platform: Send + Sync {
    /// Carries an OCALL request to the host and brings back its reply,
    /// serving ECALLs the host nests in it.
    fn ocall(&self, request: Vec<u8>) -> Result<Vec<u8>, Error>;

    /// An OCALL a host worker may serve without a transition; platforms
    /// without that path make a normal one.
    fn ocall_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.ocall(request)
    }

    /// Evidence binding `report_data` to this enclave's identity, which the
    /// platform, not enclave code, fills in.
    fn report(&self, report_data: &[u8; 64]) -> Result<Evidence, Error>;

    /// The sealing key bound to `policy`, `salt` and `version`, and the
    /// security version it is for.
    fn seal_key(
        &self,
        policy: SealPolicy,
        salt: &[u8; 32],
        version: KeyVersion,
    ) -> Result<(Zeroizing<[u8; 32]>, u16), Error>;

    /// Fills `buf` from a cryptographically secure source.
    fn random(&self, buf: &mut [u8]) -> Result<(), Error> {
        getrandom::fill(buf)
            .map_err(|e| Error::new(ErrorCode::Generic, format!("random source: {e}")))
    }

    /// Forwards one log line to the host; never fails the code that logs.
    fn log(&self, level: tracing::Level, target: &str, message: &str);

    /// The memory the host shares with the enclave, if it registered any.
    fn shared_memory(&self) -> Option<&dyn SharedMemory> {
        None
    }
}

/// A region both sides map; offsets are relative to its start.
pub trait SharedMemory: Send + Sync {
    /// The address under which the host names offset 0.
    fn base(&self) -> u64;
    /// Bytes in the region.
    fn size(&self) -> u64;
    /// Copies out of the region; `Err` when the range leaves it.
    fn read(&self, offset: u64, dst: &mut [u8]) -> Result<(), Error>;
    /// Copies into the region; `Err` when the range leaves it.
    fn write(&self, offset: u64, src: &[u8]) -> Result<(), Error>;
    /// Where offset 0 is mapped in this process, if it is: C enclave code
    /// uses shared buffers in place.
    fn as_ptr(&self) -> Option<*mut u8> {
        None
    }
}
