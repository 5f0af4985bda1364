//! `cc_malloc_shared_memory` and `cc_free_shared_memory`: ranges of the
//! arena the host and the enclave both map, handed to C as plain pointers
//! it reads and writes directly. A `[user_check]` argument that points
//! into one travels as the address the enclave resolves (`sg_user_ptr`).

use crate::enclave::with_enclave;
use crate::types::cc_enclave_t;
use secgear_abi::{Error, ErrorCode};
use std::ffi::c_void;

/// `size` bytes of memory shared with the enclave (zeroed), or NULL with a
/// log line saying why (no switchless feature, zero size, arena full).
///
/// # Safety
/// `enclave` is null or a zeroed or created context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_malloc_shared_memory(
    enclave: *mut cc_enclave_t,
    size: usize,
) -> *mut c_void {
    let mut out = std::ptr::null_mut();
    let status = crate::ffi::guarded(|| {
        // SAFETY: forwarded contract.
        out = unsafe {
            with_enclave(enclave, |context| {
                let buf = context.enclave.alloc_shared(size)?;
                let address = buf.host_address().ok_or_else(|| {
                    Error::new(
                        ErrorCode::NotSupported,
                        "this TEE does not map shared memory into the host process",
                    )
                })?;
                let token = buf.ptr().0;
                context
                    .shared
                    .lock()?
                    .insert(address.as_ptr() as usize, (buf.into_parts(), token));
                Ok(address.as_ptr().cast::<c_void>())
            })
        }?;
        Ok(())
    });
    if status == 0 {
        out
    } else {
        std::ptr::null_mut()
    }
}

/// Frees memory from `cc_malloc_shared_memory`. Any other pointer, or one
/// freed already, is `CC_ERROR_SHARED_MEMORY_NOT_REGISTERED`.
///
/// # Safety
/// `enclave` is null or a zeroed or created context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_free_shared_memory(
    enclave: *mut cc_enclave_t,
    ptr: *mut c_void,
) -> u32 {
    crate::ffi::guarded(|| {
        // SAFETY: forwarded contract.
        unsafe {
            with_enclave(enclave, |context| {
                let (parts, _) = context.shared.lock()?.remove(&(ptr as usize)).ok_or_else(|| {
                    Error::new(
                        ErrorCode::SharedMemoryNotRegistered,
                        format!("{ptr:p} is not memory cc_malloc_shared_memory gave out (or it was freed)"),
                    )
                })?;
                drop(context.enclave.shared_from_parts(parts));
                Ok(())
            })
        }
    })
}

/// The arena address of the `len` bytes at host `address` when all of them
/// lie in one buffer from `cc_malloc_shared_memory`.
///
/// # Safety
/// `enclave` is null or a zeroed or created context.
unsafe fn arena_address(enclave: *mut cc_enclave_t, address: usize, len: usize) -> Option<u64> {
    let resolve = || {
        // SAFETY: forwarded contract.
        unsafe {
            with_enclave(enclave, |context| {
                let buffers = context.shared.lock()?;
                Ok(buffers.iter().find_map(|(&start, (parts, token))| {
                    let offset = address.checked_sub(start)?;
                    (offset.checked_add(len)? <= parts.len()).then(|| token + offset as u64)
                }))
            })
        }
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(resolve)) {
        Ok(Ok(found)) => found,
        _ => None,
    }
}

/// The address the enclave resolves for host pointer `ptr`: inside a shared
/// buffer, the enclave's name for it; anywhere else, the address itself
/// (which the enclave cannot dereference, as on hardware).
///
/// # Safety
/// `enclave` is null or a zeroed or created context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_user_ptr(enclave: *mut cc_enclave_t, ptr: *const c_void) -> u64 {
    // SAFETY: forwarded contract.
    unsafe { arena_address(enclave, ptr as usize, 1) }.unwrap_or(ptr as usize as u64)
}

/// The arena address of `len` bytes at host pointer `ptr` when all of them
/// lie in one shared buffer; 0 otherwise (and for `len == 0`), so the
/// generated stub sends the region inline.
///
/// # Safety
/// `enclave` is null or a zeroed or created context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_shared_region(
    enclave: *mut cc_enclave_t,
    ptr: *const c_void,
    len: usize,
) -> u64 {
    if len == 0 {
        return 0;
    }
    // SAFETY: forwarded contract.
    unsafe { arena_address(enclave, ptr as usize, len) }.unwrap_or(0)
}
