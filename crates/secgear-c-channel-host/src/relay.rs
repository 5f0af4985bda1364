//! The one call into `libsecgear.so`: a frame to the enclave, its answer back.

use secgear_abi::{Error, ErrorCode};
use std::ffi::{c_int, c_void};

unsafe extern "C" {
    /// Exported by libsecgear.so (`secgear_ucalls.h`); resolved when the
    /// application links both libraries.
    fn sg_channel_relay(
        enclave: *mut c_void,
        close: c_int,
        frame: *const u8,
        frame_len: usize,
        reply: *mut *mut u8,
        reply_len: *mut usize,
    ) -> u32;
}

/// What a frame is for the enclave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relay {
    Handshake,
    Close,
}

/// Passes `frame` to the enclave of `enclave` (a `cc_enclave_t *`).
///
/// # Safety
/// `enclave` is null or a `cc_enclave_t` libsecgear.so created or zeroed.
pub unsafe fn relay(enclave: *mut c_void, what: Relay, frame: &[u8]) -> Result<Vec<u8>, Error> {
    let mut reply: *mut u8 = std::ptr::null_mut();
    let mut reply_len = 0usize;
    // SAFETY: the frame is a live slice, the out-pointers are locals, and
    // the enclave pointer is forwarded under the caller's contract.
    let rc = unsafe {
        sg_channel_relay(
            enclave,
            c_int::from(what == Relay::Close),
            frame.as_ptr(),
            frame.len(),
            &mut reply,
            &mut reply_len,
        )
    };
    if rc != 0 {
        return Err(Error::new(
            ErrorCode::from_code(rc),
            "the enclave refused the frame",
        ));
    }
    if reply.is_null() {
        return Ok(Vec::new());
    }
    // SAFETY: on success libsecgear.so hands over a malloc'ed buffer of
    // `reply_len` bytes, which is copied and then freed once.
    let answer = unsafe { std::slice::from_raw_parts(reply, reply_len) }.to_vec();
    // SAFETY: as above.
    unsafe { libc::free(reply.cast()) };
    Ok(answer)
}
