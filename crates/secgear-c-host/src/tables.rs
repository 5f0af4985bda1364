//! What the library keeps per enclave beside the enclave itself: the
//! asynchronous calls in flight and the shared buffers C holds. A leaf, so
//! the context (`enclave.rs`) and the entry points that use these tables
//! (`asynchronous.rs`, `shared.rs`) depend on it and not on each other.

use secgear_abi::{AsyncId, Error, ErrorCode, OwnedReader};
use secgear_c_abi::{SgReader, reader_to_c};
use secgear_host::SharedParts;
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};

/// Decodes a reply into `retval` and the buffers `ctx` remembers.
pub type SgCompleteFn =
    unsafe extern "C" fn(reply: *mut SgReader, ctx: *mut c_void, retval: *mut c_void) -> u32;
/// Frees a completion's context.
pub type SgFreeFn = unsafe extern "C" fn(ctx: *mut c_void);

/// What the generated stub left to finish a call.
pub(crate) struct Completion {
    pub(crate) complete: SgCompleteFn,
    pub(crate) ctx: usize,
    pub(crate) free_ctx: Option<SgFreeFn>,
}

impl Completion {
    /// Runs the completion on `reply` (or only frees the context on an error).
    pub(crate) fn finish(
        self,
        reply: Result<Vec<u8>, Error>,
        retval: *mut c_void,
    ) -> Result<(), Error> {
        // `self` drops at the end: the context is freed after the completion ran.
        let ctx = self.ctx as *mut c_void;
        reply.and_then(OwnedReader::reply).and_then(|reader| {
            let reader = reader_to_c(reader);
            // SAFETY: the stub's completion takes a live reader (freed below),
            // its own context and the caller's retval pointer.
            let status = unsafe { (self.complete)(reader, ctx, retval) };
            // SAFETY: made above, used once.
            unsafe { secgear_c_abi::sg_reader_free(reader) };
            match status {
                0 => Ok(()),
                code => Err(Error::from_code(code)),
            }
        })
    }
}

/// A call collected, failed, or never collected (the enclave destroyed
/// first): its context is freed once, here.
impl Drop for Completion {
    fn drop(&mut self) {
        if let Some(free) = self.free_ctx.take() {
            // SAFETY: the stub's own context, freed once.
            unsafe { free(self.ctx as *mut c_void) };
        }
    }
}

/// The calls in flight, by task id, and the last id handed out.
type Table = (i32, HashMap<i32, (AsyncId, Completion)>);

/// Calls in flight of one enclave, by the task id C holds.
#[derive(Default)]
pub(crate) struct Pending {
    calls: Mutex<Table>,
}

impl Pending {
    fn lock(&self) -> Result<MutexGuard<'_, Table>, Error> {
        self.calls
            .lock()
            .map_err(|_| Error::new(ErrorCode::BadState, "async table poisoned"))
    }

    pub(crate) fn insert(&self, id: AsyncId, completion: Completion) -> Result<i32, Error> {
        let mut calls = self.lock()?;
        let (next, table) = &mut *calls;
        // Ids stay non-negative: -1 means "ran as a normal call".
        *next = if *next == i32::MAX { 0 } else { *next + 1 };
        table.insert(*next, (id, completion));
        Ok(*next)
    }

    pub(crate) fn take(&self, task: i32) -> Result<Option<(AsyncId, Completion)>, Error> {
        Ok(self.lock()?.1.remove(&task))
    }

    pub(crate) fn put_back(&self, task: i32, entry: (AsyncId, Completion)) {
        if let Ok(mut calls) = self.lock() {
            calls.1.insert(task, entry);
        }
    }
}

/// A buffer C holds, and the address the enclave knows its start by.
type Held = (SharedParts, u64);

/// The buffers C holds, by their host address.
#[derive(Default)]
pub(crate) struct SharedBuffers(Mutex<HashMap<usize, Held>>);

impl SharedBuffers {
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, HashMap<usize, Held>>, Error> {
        self.0
            .lock()
            .map_err(|_| Error::new(ErrorCode::BadState, "shared-memory table poisoned"))
    }
}
