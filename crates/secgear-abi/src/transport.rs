//! The seam between generated code and whatever carries its messages.

use crate::async_id::{AsyncId, Submitted};
use crate::error::Error;
use std::cell::Cell;
use std::time::Duration;

/// Carries one request to the other side and brings back its reply.
///
/// The enclave runtime implements it over shared memory; tests implement it
/// in memory. Generated callers use [`Transport::call_switchless`] for
/// functions marked `transition_using_threads`.
pub trait Transport {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error>;

    /// A call that may be served by a worker thread without a context switch.
    /// Transports without a switchless path make a normal call.
    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        self.call(request)
    }

    /// Submits an asynchronous switchless call. Transports without a pool
    /// run it as a normal call and hand back its reply at once.
    fn submit_async(&self, request: Vec<u8>) -> Result<Submitted, Error> {
        self.call(request).map(Submitted::Completed)
    }

    /// The reply of an asynchronous call if it has finished, waiting up to
    /// `wait` (`None`: until it finishes); `Ok(None)` while it runs. A reply
    /// is handed out once: afterwards, and for ids never issued, the error
    /// is `SwitchlessInvalidTaskId`.
    fn async_result(&self, id: AsyncId, wait: Option<Duration>) -> Result<Option<Vec<u8>>, Error> {
        let _ = wait;
        Err(crate::async_id::unknown_call(id))
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        (**self).call(request)
    }
    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        (**self).call_switchless(request)
    }
    fn submit_async(&self, request: Vec<u8>) -> Result<Submitted, Error> {
        (**self).submit_async(request)
    }
    fn async_result(&self, id: AsyncId, wait: Option<Duration>) -> Result<Option<Vec<u8>>, Error> {
        (**self).async_result(id, wait)
    }
}

/// Serves the OCALLs of one EDL: what the host hands the enclave runtime.
/// The generated `Ocalls` adapter implements it for any `Untrusted` type.
pub trait OcallDispatch: Send + Sync {
    /// Serves one OCALL request and returns its reply (failures included).
    fn dispatch_ocall(&self, request: &[u8]) -> Vec<u8>;

    /// Whether any OCALL is marked `transition_using_threads` (the host then
    /// starts workers to serve them).
    fn has_switchless(&self) -> bool {
        false
    }

    /// Whether OCALL `function_id` is marked `transition_using_threads`:
    /// only those may arrive through the switchless OCALL pool.
    fn is_switchless(&self, function_id: u32) -> bool {
        let _ = function_id;
        false
    }
}

/// A dispatcher the caller keeps a handle to as well.
impl<T: OcallDispatch + ?Sized> OcallDispatch for std::sync::Arc<T> {
    fn dispatch_ocall(&self, request: &[u8]) -> Vec<u8> {
        (**self).dispatch_ocall(request)
    }
    fn has_switchless(&self) -> bool {
        (**self).has_switchless()
    }
    fn is_switchless(&self, function_id: u32) -> bool {
        (**self).is_switchless(function_id)
    }
}

/// An enclave without OCALLs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOcalls;

impl OcallDispatch for NoOcalls {
    fn dispatch_ocall(&self, _: &[u8]) -> Vec<u8> {
        crate::Writer::error_reply(&Error::new(
            crate::ErrorCode::InvalidCmd,
            "the enclave has no OCALLs",
        ))
    }
}

/// What the generated tables say about one EDL function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionInfo {
    /// The stable id carried in requests (declaration order, imports first).
    pub id: u32,
    pub name: &'static str,
    /// ECALLs only: callable from the host at any time; otherwise only from
    /// inside an OCALL that lists it in `allow(...)`.
    pub public: bool,
    /// Marked `transition_using_threads`.
    pub switchless: bool,
    /// OCALLs only: the host's `errno` is carried back to the enclave.
    pub propagate_errno: bool,
    /// OCALLs only: ids of the private ECALLs this OCALL may make.
    pub allow: &'static [u32],
}

/// Where an ECALL arrives from, as the enclave runtime knows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EcallContext<'a> {
    /// The OCALL in progress on this thread, if the ECALL is nested in one.
    pub active_ocall: Option<&'a FunctionInfo>,
}

impl EcallContext<'_> {
    /// A call straight from the host.
    pub const TOP_LEVEL: EcallContext<'static> = EcallContext { active_ocall: None };

    /// Whether `ecall` may run here: public ones always, private ones only
    /// inside an OCALL that allows them.
    pub fn permits(&self, ecall: &FunctionInfo) -> bool {
        ecall.public
            || self
                .active_ocall
                .is_some_and(|o| o.allow.contains(&ecall.id))
    }
}

thread_local! {
    static OCALL_ERRNO: Cell<i32> = const { Cell::new(0) };
}

/// The `errno` the host reported for the last `propagate_errno` OCALL made
/// by this thread.
pub fn last_ocall_errno() -> i32 {
    OCALL_ERRNO.with(Cell::get)
}

#[doc(hidden)]
pub fn set_ocall_errno(errno: i32) {
    OCALL_ERRNO.with(|e| e.set(errno));
}

/// The calling thread's `errno`, read right after a host function returns.
#[doc(hidden)]
pub fn current_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
