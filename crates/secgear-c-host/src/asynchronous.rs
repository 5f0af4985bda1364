//! Asynchronous switchless ECALLs from C: `f_async` stubs submit through
//! [`sg_ecall_async`]; `cc_sl_get_async_result` collects by the `int`
//! task id the original API hands out, and runs the stub's completion to
//! decode the return value and `[out]` payloads.

use crate::enclave::with_enclave;
use crate::ocalls::SgOcallTable;
use crate::tables::{Completion, SgCompleteFn, SgFreeFn};
use crate::types::cc_enclave_t;
use secgear_abi::{Error, ErrorCode, Submitted, Transport};
use secgear_c_abi::{SgWriter, writer_from_c};
use std::ffi::{c_int, c_void};
use std::time::Duration;

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
