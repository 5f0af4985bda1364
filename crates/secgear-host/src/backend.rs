//! The seam every TEE backend implements.

use secgear_abi::{AsyncId, Error, ErrorCode, OcallDispatch, UserPtr};
use std::time::Duration;

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

    /// Whether `slot` was taken out of service (its enclave side broke the
    /// call protocol); such a slot is never handed to a caller again.
    fn slot_retired(&self, _slot: usize) -> bool {
        false
    }

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

    /// Puts an asynchronous call in the pool; `None` when it must run as a
    /// normal call instead (no pool, too large, or a full pool with
    /// `rollback_to_common`).
    fn submit_async(&self, _request: &[u8]) -> Option<Result<AsyncId, Error>> {
        None
    }

    /// See [`secgear_abi::Transport::async_result`].
    fn async_result(
        &self,
        id: AsyncId,
        _wait: Option<Duration>,
        _ocalls: &dyn OcallDispatch,
    ) -> Result<Option<Vec<u8>>, Error> {
        Err(secgear_abi::async_call::unknown_call(id))
    }

    /// Bytes of the shared-buffer arena (0: none).
    fn arena_len(&self) -> u64 {
        0
    }

    fn arena_write(&self, _offset: u64, _src: &[u8]) -> Result<(), Error> {
        Err(no_arena())
    }

    fn arena_read(&self, _offset: u64, _dst: &mut [u8]) -> Result<(), Error> {
        Err(no_arena())
    }

    /// The address under which the enclave finds arena offset `offset`.
    fn arena_pointer(&self, _offset: u64) -> UserPtr {
        UserPtr::NULL
    }

    /// Stops the enclave and releases its resources; idempotent.
    fn destroy(&self) -> Result<(), Error>;
}

pub(crate) fn no_arena() -> Error {
    Error::new(
        ErrorCode::SwitchlessDisabled,
        "shared buffers need switchless calls with shared_memory above 0",
    )
}
