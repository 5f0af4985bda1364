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

    /// Runs a call through the switchless pool; `None` when it cannot be
    /// submitted there (no pool, pool full, too large, or no worker took it
    /// in time), and the caller makes a normal call.
    fn try_switchless(
        &self,
        _request: &[u8],
        _ocalls: &dyn OcallDispatch,
    ) -> Option<Result<Vec<u8>, Error>> {
        None
    }

    fn switchless_stats(&self) -> Option<crate::SwitchlessStats> {
        None
    }

    /// Stops the enclave and releases its resources; idempotent.
    fn destroy(&self) -> Result<(), Error>;
}
