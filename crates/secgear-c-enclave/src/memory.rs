//! `cc_enclave_generate_random` and the memory checks. In the simulator the
//! host's memory is never addressable from the enclave: the only host
//! memory an enclave is handed is the shared arena, whose pointers name a
//! range no enclave allocation uses, so "outside the enclave" means "in
//! that range".

use secgear_abi::ErrorCode;
use std::ffi::c_void;

/// Fills `size` bytes at `buffer` with random bytes.
///
/// # Safety
/// `buffer` is null or points to `size` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_enclave_generate_random(buffer: *mut c_void, size: usize) -> u32 {
    if buffer.is_null() || size == 0 || size > isize::MAX as usize {
        return ErrorCode::BadParameters.code();
    }
    // SAFETY: non-null, and the caller promises `size` writable bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<u8>(), size) };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        secgear_enclave::random(out)
    })) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            tracing::error!(target: "secgear::c", "random: {e}");
            ErrorCode::Fail.code()
        }
        Err(_) => ErrorCode::Unexpected.code(),
    }
}

/// Whether `[addr, addr + size)` lies within the host's shared memory.
fn in_shared(addr: u64, size: u64) -> bool {
    let Some(end) = addr.checked_add(size) else {
        return false;
    };
    secgear_enclave::shared_range().is_some_and(|(first, last)| addr >= first && end <= last)
}

fn overlaps_shared(addr: u64, size: u64) -> bool {
    let end = addr.saturating_add(size);
    secgear_enclave::shared_range().is_some_and(|(first, last)| addr < last && end > first)
}

/// Whether the whole range is enclave memory. `(NULL, 0)` is; NULL or an
/// empty range alone is not.
#[unsafe(no_mangle)]
pub extern "C" fn cc_enclave_memory_in_enclave(addr: *const c_void, size: usize) -> bool {
    match (addr.is_null(), size) {
        (true, 0) => true,
        (true, _) | (false, 0) => false,
        (false, n) => {
            let a = addr as u64;
            a.checked_add(n as u64).is_some() && !overlaps_shared(a, n as u64)
        }
    }
}

/// Whether the whole range is host memory the enclave was given (the
/// shared arena). `(NULL, 0)` is; NULL or an empty range alone is not.
#[unsafe(no_mangle)]
pub extern "C" fn cc_enclave_memory_out_enclave(addr: *const c_void, size: usize) -> bool {
    match (addr.is_null(), size) {
        (true, 0) => true,
        (true, _) | (false, 0) => false,
        (false, n) => in_shared(addr as u64, n as u64),
    }
}
