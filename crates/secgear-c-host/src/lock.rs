//! The `rwlock` inside the application's `cc_enclave_t`: calls hold it for
//! reading, `cc_enclave_destroy` for writing, so an enclave is never torn
//! down under a call in progress.

use crate::types::cc_enclave_t;
use secgear_abi::{Error, ErrorCode};

/// Holds the lock of one context; released on drop.
pub(crate) struct Held {
    lock: *mut libc::pthread_rwlock_t,
}

/// Initialises the lock of a context that is not in use (create).
///
/// # Safety
/// `ctx` points to a writable `cc_enclave_t` no other thread uses.
pub(crate) unsafe fn init(ctx: *mut cc_enclave_t) -> Result<(), Error> {
    // SAFETY: the caller promises exclusive access; the field is in bounds.
    let rc = unsafe { libc::pthread_rwlock_init(&raw mut (*ctx).rwlock, std::ptr::null()) };
    match rc {
        0 => Ok(()),
        rc => Err(Error::new(
            ErrorCode::Generic,
            format!("pthread_rwlock_init failed ({rc})"),
        )),
    }
}

/// Takes the lock for reading (`write == false`) or writing.
///
/// # Safety
/// `ctx` points to a `cc_enclave_t` whose lock was initialised by a create
/// and stays valid while the returned guard lives.
pub(crate) unsafe fn take(ctx: *mut cc_enclave_t, write: bool) -> Result<Held, Error> {
    // SAFETY: in bounds of the caller's context.
    let lock = unsafe { &raw mut (*ctx).rwlock };
    // SAFETY: an initialised lock, per the caller.
    let rc = unsafe {
        if write {
            libc::pthread_rwlock_wrlock(lock)
        } else {
            libc::pthread_rwlock_rdlock(lock)
        }
    };
    match rc {
        0 => Ok(Held { lock }),
        rc => Err(Error::new(
            ErrorCode::InvalidEnclave,
            format!("the enclave context's lock is unusable ({rc}): was it created?"),
        )),
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: this guard holds the lock, which outlives it (`take`'s contract).
        unsafe { libc::pthread_rwlock_unlock(self.lock) };
    }
}
