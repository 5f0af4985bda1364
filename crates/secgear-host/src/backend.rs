//! The seam every TEE backend implements.

use secgear_abi::{Error, OcallDispatch};

/// One created enclave on some TEE.
pub(crate) trait Backend: Send + Sync {
    /// Number of call slots (TCS analogue).
    fn slots(&self) -> usize;

    /// Carries `request` into the enclave on `slot` and serves the OCALLs it
    /// makes (through `ocalls`) until its reply arrives.
    fn call(
        &self,
        slot: usize,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Result<Vec<u8>, Error>;

    /// Whether the enclave has died (every call now fails with `EnclaveDead`).
    fn is_dead(&self) -> bool;

    /// The `EnclaveDead` error, with what is known of the death.
    fn dead_error(&self) -> Error;

    /// Stops the enclave and releases its resources; idempotent.
    fn destroy(&self) -> Result<(), Error>;
}
