//! Asynchronous switchless ECALLs from C: `f_async` stubs submit through
//! [`sg_ecall_async`]; `cc_sl_get_async_result` collects by the `int`
//! task id the original API hands out, and runs the stub's completion to
//! decode the return value and `[out]` payloads.

use crate::enclave::with_enclave;
use crate::ocalls::SgOcallTable;
use crate::types::cc_enclave_t;
use secgear_abi::{AsyncId, Error, ErrorCode, OwnedReader, Submitted, Transport};
use secgear_c_abi::{SgReader, SgWriter, reader_to_c, writer_from_c};
use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::Mutex;
use std::time::Duration;

/// Decodes a reply into `retval` and the buffers `ctx` remembers.
pub type SgCompleteFn =
    unsafe extern "C" fn(reply: *mut SgReader, ctx: *mut c_void, retval: *mut c_void) -> u32;
/// Frees a completion's context.
pub type SgFreeFn = unsafe extern "C" fn(ctx: *mut c_void);

/// What the generated stub left to finish a call.
struct Completion {
    complete: SgCompleteFn,
    ctx: usize,
    free_ctx: Option<SgFreeFn>,
}

impl Completion {
    /// Runs the completion on `reply` (or only frees the context on an error).
    fn finish(self, reply: Result<Vec<u8>, Error>, retval: *mut c_void) -> Result<(), Error> {
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
    fn insert(&self, id: AsyncId, completion: Completion) -> Result<i32, Error> {
        let mut calls = self
            .calls
            .lock()
            .map_err(|_| Error::new(ErrorCode::BadState, "async table poisoned"))?;
        let (next, table) = &mut *calls;
        // Ids stay non-negative: -1 means "ran as a normal call".
        *next = if *next == i32::MAX { 0 } else { *next + 1 };
        table.insert(*next, (id, completion));
        Ok(*next)
    }

    fn take(&self, task: i32) -> Result<Option<(AsyncId, Completion)>, Error> {
        let mut calls = self
            .calls
            .lock()
            .map_err(|_| Error::new(ErrorCode::BadState, "async table poisoned"))?;
        Ok(calls.1.remove(&task))
    }

    fn put_back(&self, task: i32, entry: (AsyncId, Completion)) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.1.insert(task, entry);
        }
    }
}

/// Submits an asynchronous switchless ECALL (`request` consumed). On
/// success `*task_id` names it for `cc_sl_get_async_result`, or is -1 when
/// the call ran as a normal one (pool full with `rollback_to_common`), in
/// which case `complete` already ran into `retval`.
///
/// # Safety
/// `enclave` is null or a zeroed or created context; `request` is null or
/// a writer from this library; `ocalls` is null or a static table; `ctx`
/// is whatever `complete` and `free_ctx` expect; `task_id` is null or
/// writable; `retval` is what `complete` expects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_ecall_async(
    enclave: *mut cc_enclave_t,
    request: *mut SgWriter,
    ocalls: *const SgOcallTable,
    complete: Option<SgCompleteFn>,
    ctx: *mut c_void,
    free_ctx: Option<SgFreeFn>,
    task_id: *mut c_int,
    retval: *mut c_void,
) -> u32 {
    // SAFETY: forwarded contract: the writer is taken once, here.
    let request = unsafe { writer_from_c(request) };
    crate::ffi::guarded(|| {
        let Some(complete) = complete else {
            if let Some(free) = free_ctx {
                // SAFETY: the stub's context, freed once.
                unsafe { free(ctx) };
            }
            return Err(Error::bad_parameters("no completion function"));
        };
        let completion = Completion {
            complete,
            ctx: ctx as usize,
            free_ctx,
        };
        let (Some(request), false) = (request, task_id.is_null() || !task_id.is_aligned()) else {
            return completion.finish(
                Err(Error::bad_parameters("NULL request or task_id")),
                retval,
            );
        };
        // SAFETY: forwarded contract.
        unsafe {
            with_enclave(enclave, |context| {
                context.ocalls.register(ocalls);
                match context.enclave.submit_async(request.into_message()) {
                    Err(e) => completion.finish(Err(e), retval),
                    Ok(Submitted::Completed(reply)) => {
                        task_id.write(-1);
                        completion.finish(Ok(reply), retval)
                    }
                    Ok(Submitted::Pending(id)) => {
                        task_id.write(context.pending.insert(id, completion)?);
                        Ok(())
                    }
                }
            })
        }
    })
}

/// The result of asynchronous call `task_id`: its return value into
/// `retval` (NULL for void functions) and its `[out]` buffers filled, or
/// `CC_ERROR_SWITCHLESS_ASYNC_TASK_UNFINISHED` while it runs. A result is
/// handed out once; afterwards the id is `CC_ERROR_SWITCHLESS_INVALID_TASK_ID`.
///
/// # Safety
/// `enclave` is null or a zeroed or created context; `retval` is what the
/// call's return type needs (or null for void).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sl_get_async_result(
    enclave: *mut cc_enclave_t,
    task_id: c_int,
    retval: *mut c_void,
) -> u32 {
    crate::ffi::guarded(|| {
        // SAFETY: forwarded contract.
        unsafe {
            with_enclave(enclave, |context| {
                let unknown = || {
                    Error::new(
                        ErrorCode::SwitchlessInvalidTaskId,
                        format!("no asynchronous call {task_id} is in flight"),
                    )
                };
                let (id, completion) = context.pending.take(task_id)?.ok_or_else(unknown)?;
                match context.enclave.async_result(id, Some(Duration::ZERO)) {
                    Ok(None) => {
                        context.pending.put_back(task_id, (id, completion));
                        Err(Error::new(
                            ErrorCode::SwitchlessAsyncTaskUnfinished,
                            "the call has not finished",
                        ))
                    }
                    Ok(Some(reply)) => completion.finish(Ok(reply), retval),
                    Err(e) => completion.finish(Err(e), retval),
                }
            })
        }
    })
}
