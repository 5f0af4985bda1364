//! The boundary with C: every pointer the application passes is checked
//! here before anything reads it, and no panic crosses back into C.

use crate::types::cc_enclave_result_t;
use secgear_abi::{Error, ErrorCode};
use std::ffi::{CStr, c_char};

/// Runs an entry point's body; a panic becomes `CC_ERROR_UNEXPECTED` and a
/// log line instead of unwinding into C (which would abort the process).
pub(crate) fn guarded(body: impl FnOnce() -> Result<(), Error>) -> cc_enclave_result_t {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => crate::types::CC_SUCCESS,
        // "Not finished yet" is an answer to a poll, not a failure.
        Ok(Err(e)) if e.kind() == ErrorCode::SwitchlessAsyncTaskUnfinished => e.code(),
        Ok(Err(e)) => {
            tracing::error!(target: "secgear::c", "{e}");
            e.code()
        }
        Err(_) => {
            tracing::error!(target: "secgear::c", "internal error (a panic in libsecgear)");
            ErrorCode::Unexpected.code()
        }
    }
}

/// A C string argument as UTF-8, naming the argument when it is null or not text.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, what: &'static str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::bad_parameters(format!("{what} is NULL")));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map_err(|_| Error::bad_parameters(format!("{what} is not UTF-8")))
}

/// The `count` elements at `ptr`; empty for a zero count (whatever `ptr`).
///
/// # Safety
/// When `count > 0`, `ptr` is null or points to `count` initialised `T`s valid for `'a`.
pub(crate) unsafe fn slice<'a, T>(
    ptr: *const T,
    count: usize,
    what: &'static str,
) -> Result<&'a [T], Error> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(Error::bad_parameters(format!(
            "{what} is NULL or misaligned but {count} elements were announced"
        )));
    }
    if count
        .checked_mul(size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Error::bad_parameters(format!(
            "{what}: {count} elements is too many"
        )));
    }
    // SAFETY: non-null, aligned, and the caller promises `count` valid elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}
