//! `secure_channel_enclave.h`: the enclave's end of the secure channel for
//! C code, over `secgear_enclave::channel` (the same session table Rust
//! enclaves use). Sessions are named by their 64-bit short id, which the
//! client library reports as `cc_sec_chl_ctx_t::session_id`.
//!
//! As in the original, both functions return 0 on success, -1 for a NULL
//! argument or an unknown session, or a `cc_enclave_result_t` code, and a
//! short (or NULL) output buffer gets `CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH` with
//! the length it needs written back.

use secgear_abi::{Error, ErrorCode};
use secgear_enclave::channel::{self, Received, wire};
use std::ffi::{c_int, c_void};

const NOT_FOUND: c_int = -1;

enum Failure {
    /// NULL arguments or an unknown session: the original's -1.
    NotFound(String),
    Code(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        if e.kind() == ErrorCode::ItemNotFound {
            Failure::NotFound(e.to_string())
        } else {
            Failure::Code(e)
        }
    }
}

fn code(what: &str, body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        Ok(Err(Failure::NotFound(why))) => {
            tracing::error!(target: "secgear::c", "{what}: {why}");
            NOT_FOUND
        }
        // The caller asked for the length; not a failure worth a log line.
        Ok(Err(Failure::Code(e))) if e.kind() == ErrorCode::SecChlLenNotEnough => e.code() as c_int,
        Ok(Err(Failure::Code(e))) => {
            tracing::error!(target: "secgear::c", "{what}: {e}");
            e.code() as c_int
        }
        Err(_) => {
            tracing::error!(target: "secgear::c", "{what}: internal error (a panic)");
            ErrorCode::Unexpected.code() as c_int
        }
    }
}

/// The session `session_id` names, or -1.
fn session(session_id: usize) -> Result<wire::SessionId, Failure> {
    channel::session_with_short_id(session_id as u64)
        .map_err(|_| Failure::NotFound(format!("no secure-channel session {session_id:#x}")))
}

/// Checks the output buffer against `needed`; on a short one writes
/// `needed` back.
///
/// # Safety
/// `out_len` is non-null, aligned and writable.
unsafe fn room(out: *mut c_void, out_len: *mut usize, needed: usize) -> Result<(), Failure> {
    // SAFETY: per the contract.
    let have = unsafe { out_len.read() };
    if out.is_null() || have < needed {
        // SAFETY: per the contract.
        unsafe { out_len.write(needed) };
        return Err(Failure::Code(Error::new(
            ErrorCode::SecChlLenNotEnough,
            format!("{needed} bytes needed, {have} given"),
        )));
    }
    Ok(())
}

/// # Safety
/// `ptr` points to `len` readable bytes (checked non-null here).
unsafe fn input<'a>(ptr: *const c_void, len: usize, what: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() || len == 0 || len > isize::MAX as usize {
        return Err(Failure::NotFound(format!("{what} is NULL or empty")));
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// # Safety
/// `out` has room for `bytes` (checked by [`room`]); `out_len` is writable.
unsafe fn emit(out: *mut c_void, out_len: *mut usize, bytes: &[u8]) {
    // SAFETY: per the contract; the buffers are distinct allocations.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.cast::<u8>(), bytes.len());
        out_len.write(bytes.len());
    }
}

fn invalid(e: impl std::fmt::Display) -> Failure {
    Failure::Code(Error::new(
        ErrorCode::SecChlEncryptedLenInvalid,
        format!("not secure-channel records: {e}"),
    ))
}

/// Encrypts `plain` for the client of `session_id`: the frames to send it.
///
/// # Safety
/// `plain` is null or points to `plain_len` readable bytes; `encrypt_len` is
/// null or points to the capacity of `encrypt`, which is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_enclave_encrypt(
    session_id: usize,
    plain: *const c_void,
    plain_len: usize,
    encrypt: *mut c_void,
    encrypt_len: *mut usize,
) -> c_int {
    code("cc_sec_chl_enclave_encrypt", || {
        if encrypt_len.is_null() || !encrypt_len.is_aligned() {
            return Err(Failure::NotFound("encrypt_len is NULL".into()));
        }
        // SAFETY: forwarded contract.
        let plain = unsafe { input(plain, plain_len, "plain") }?;
        let id = session(session_id)?;
        // SAFETY: checked non-null and aligned.
        unsafe { room(encrypt, encrypt_len, wire::sealed_len(plain.len())) }?;
        let frames = channel::encrypt(&id, plain)?.concat();
        // SAFETY: `room` checked the capacity against the sealed length,
        // which is exactly what the frames take.
        unsafe { room(encrypt, encrypt_len, frames.len()) }?;
        // SAFETY: as above.
        unsafe { emit(encrypt, encrypt_len, &frames) };
        Ok(())
    })
}

/// Decrypts records from the client of `session_id`; they must hold one
/// whole message.
///
/// # Safety
/// `encrypt` is null or points to `encrypt_len` readable bytes; `plain_len`
/// is null or points to the capacity of `plain`, which is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_enclave_decrypt(
    session_id: usize,
    encrypt: *const c_void,
    encrypt_len: usize,
    plain: *mut c_void,
    plain_len: *mut usize,
) -> c_int {
    code("cc_sec_chl_enclave_decrypt", || {
        if plain_len.is_null() || !plain_len.is_aligned() {
            return Err(Failure::NotFound("plain_len is NULL".into()));
        }
        // SAFETY: forwarded contract.
        let bytes = unsafe { input(encrypt, encrypt_len, "encrypt") }?;
        let frames = wire::split(bytes).map_err(invalid)?;
        for frame in &frames {
            let session = wire::parse(frame).map_err(invalid)?.session;
            if wire::short_id(&session) != session_id as u64 {
                return Err(Failure::Code(Error::new(
                    ErrorCode::SecChlDecryptSessionIdInvalid,
                    format!("a record of another session than {session_id:#x}"),
                )));
            }
        }
        let announced = wire::announced_data_len(&frames).map_err(invalid)?;
        // SAFETY: checked non-null and aligned.
        unsafe { room(plain, plain_len, announced) }?;
        for frame in frames {
            match channel::decrypt(frame)? {
                (_, Received::Message(message)) => {
                    // SAFETY: checked non-null and aligned.
                    unsafe { room(plain, plain_len, message.len()) }?;
                    // SAFETY: `room` checked the capacity.
                    unsafe { emit(plain, plain_len, &message) };
                    return Ok(());
                }
                (_, Received::Partial) => {}
                (_, Received::Closed) => {
                    return Err(Failure::Code(Error::new(
                        ErrorCode::SecChlInvalidSession,
                        "the client closed the session",
                    )));
                }
            }
        }
        Err(Failure::Code(Error::new(
            ErrorCode::SecChlDecrypt,
            "the records hold no whole message",
        )))
    })
}
