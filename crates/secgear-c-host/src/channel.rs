//! What the secure-channel server library (`libusecure_channel.so`) asks of
//! an enclave: it relays handshake frames and clients' closes to the
//! enclave's runtime, which answers them without any EDL.

use crate::enclave::with_enclave;
use crate::types::cc_enclave_t;
use secgear_abi::{Error, ErrorCode};
use std::ffi::c_int;

/// Passes one frame from a client to the enclave: a handshake frame, or,
/// with `close != 0`, the client's CLOSE record. On success `*reply` is a
/// `malloc`ed buffer of `*reply_len` bytes for the client (NULL when the
/// answer is empty), which the caller releases with `free`.
///
/// # Safety
/// `enclave` is null or a zeroed or created context; `frame` is null or
/// points to `frame_len` readable bytes; `reply` and `reply_len` are null
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_channel_relay(
    enclave: *mut cc_enclave_t,
    close: c_int,
    frame: *const u8,
    frame_len: usize,
    reply: *mut *mut u8,
    reply_len: *mut usize,
) -> u32 {
    crate::ffi::guarded(|| {
        if reply.is_null() || !reply.is_aligned() || reply_len.is_null() || !reply_len.is_aligned()
        {
            return Err(Error::bad_parameters("NULL reply or reply_len"));
        }
        // SAFETY: forwarded contract.
        let frame = unsafe { crate::ffi::slice(frame, frame_len, "frame") }?;
        if frame.is_empty() {
            return Err(Error::bad_parameters("an empty frame"));
        }
        // SAFETY: forwarded contract.
        let answer = unsafe {
            with_enclave(enclave, |context| {
                if close != 0 {
                    context.enclave.channel_close(frame).map(|()| Vec::new())
                } else {
                    context.enclave.channel_handshake(frame)
                }
            })
        }?;
        let out = if answer.is_empty() {
            std::ptr::null_mut()
        } else {
            // SAFETY: malloc of a non-zero size; checked for NULL below.
            let p = unsafe { libc::malloc(answer.len()) }.cast::<u8>();
            if p.is_null() {
                return Err(Error::new(
                    ErrorCode::OutOfMemory,
                    "no memory for the reply",
                ));
            }
            // SAFETY: `p` holds `answer.len()` bytes and does not overlap `answer`.
            unsafe { std::ptr::copy_nonoverlapping(answer.as_ptr(), p, answer.len()) };
            p
        };
        // SAFETY: both checked non-null and aligned; writable per the contract.
        unsafe {
            reply.write(out);
            reply_len.write(answer.len());
        }
        Ok(())
    })
}
