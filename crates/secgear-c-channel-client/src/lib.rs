//! `libcsecure_channel.so`: the original secGear secure-channel client API
//! (`secure_channel_client.h`) over `secgear-channel`. The application owns
//! the connection: the library sends through `conn_kit.send` and receives
//! what the application hands to `cc_sec_chl_client_callback`, either from
//! inside `send` (write, read the reply, call the callback) or from a
//! receiving thread. `cc_sec_chl_client_init` returns only once the
//! enclave's evidence was verified against the client configuration
//! ([`config`]): a channel to an enclave the client does not expect is
//! never reported as established.
//!
//! Every entry point checks its pointers and never unwinds into C.

pub mod config;
mod handle;
mod logging;
pub mod types;

use handle::Handle;
use secgear_abi::{Error, ErrorCode};
use secgear_channel::{ChannelError, ClientConfig, wire};
use std::ffi::c_void;
use types::{CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, cc_conn_kit_t, cc_sec_chl_ctx_t};

fn guarded(what: &str, body: impl FnOnce() -> Result<(), Error>) -> u32 {
    logging::init();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
        // The caller asked for a length: not worth a log line.
        Ok(Err(e)) if e.kind() == ErrorCode::SecChlLenNotEnough => e.code(),
        Ok(Err(e)) => {
            tracing::error!(target: "secgear::c", "{what}: {e}");
            e.code()
        }
        Err(_) => {
            tracing::error!(target: "secgear::c", "{what}: internal error (a panic)");
            ErrorCode::Unexpected.code()
        }
    }
}

/// The context's live handle. Reads only the `handle` field, through the
/// pointer: other threads may be writing the context's other fields.
///
/// # Safety
/// `ctx` is null or points to a `cc_sec_chl_ctx_t` whose `handle` is null
/// or set by init and not yet released by fini.
unsafe fn live_handle<'a>(ctx: *mut cc_sec_chl_ctx_t) -> Result<&'a Handle, Error> {
    if ctx.is_null() || !ctx.is_aligned() {
        return Err(Error::bad_parameters("ctx is NULL"));
    }
    // SAFETY: non-null and aligned; readable per the contract.
    let raw = unsafe { std::ptr::addr_of!((*ctx).handle).read() };
    // SAFETY: set by init from Box::into_raw, freed only by fini.
    unsafe { raw.cast::<Handle>().as_ref() }.ok_or_else(|| {
        Error::new(
            ErrorCode::SecChlNotReady,
            "the secure channel is not initialised",
        )
    })
}

/// Sends through the application's connection kit.
fn sender(kit: &cc_conn_kit_t) -> Result<impl FnMut(&[u8]) -> Result<(), Error>, Error> {
    let (Some(send), false) = (kit.send, kit.conn.is_null()) else {
        return Err(Error::new(
            ErrorCode::SecChlInvalidConn,
            "conn_kit.send or conn_kit.conn is NULL",
        ));
    };
    let conn = kit.conn;
    Ok(move |bytes: &[u8]| {
        let mut copy = bytes.to_vec();
        // SAFETY: the application's send function with its own connection
        // and a live buffer of `copy.len()` bytes it may read (or write).
        let sent = unsafe { send(conn, copy.as_mut_ptr().cast(), copy.len()) };
        if sent < 0 {
            return Err(Error::new(ErrorCode::SecChlSendMsg, "conn_kit.send failed"));
        }
        Ok(())
    })
}

/// Connects to the enclave behind `ctx->conn_kit` and verifies it; blocks
/// until the handshake is over. On failure the context keeps its state
/// until [`cc_sec_chl_client_fini`] (a receiving thread may still hold it).
///
/// # Safety
/// `ctx` is null or points to a writable `cc_sec_chl_ctx_t`, zeroed or
/// released by fini, that outlives the channel.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_client_init(algo: u32, ctx: *mut cc_sec_chl_ctx_t) -> u32 {
    guarded("cc_sec_chl_client_init", || {
        if algo != CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM {
            return Err(Error::bad_parameters(format!("unknown algorithm {algo}")));
        }
        if ctx.is_null() || !ctx.is_aligned() {
            return Err(Error::bad_parameters("ctx is NULL"));
        }
        // Fields are read and written through the pointer, never through a
        // reference: the callback may read the context meanwhile.
        // SAFETY: non-null and aligned; valid per the contract.
        let (current, kit) = unsafe {
            (
                std::ptr::addr_of!((*ctx).handle).read(),
                cc_conn_kit_t {
                    send: (*ctx).conn_kit.send,
                    conn: (*ctx).conn_kit.conn,
                },
            )
        };
        if !current.is_null() {
            return Err(Error::new(
                ErrorCode::BadState,
                "ctx is initialised already (call cc_sec_chl_client_fini first)",
            ));
        }
        let mut send = sender(&kit)?;
        let path = config::path();
        let settings = config::load(&path)
            .map_err(|e| Error::new(ErrorCode::SecChlInitVerifyReport, e.to_string()))?;
        tracing::debug!(target: "secgear::c", "secure channel client configuration: {}", settings.path);
        let raw = Box::into_raw(Box::new(Handle::new(
            ClientConfig::new(Box::new(settings.verifier)),
            settings.reply_timeout,
        )?));
        // Published before the first send: the reply may arrive inside it.
        // SAFETY: as above.
        unsafe { std::ptr::addr_of_mut!((*ctx).handle).write(raw.cast()) };
        // SAFETY: just made; freed only by fini.
        let short = unsafe { &*raw }.establish(&mut send)?;
        // SAFETY: as above.
        unsafe { std::ptr::addr_of_mut!((*ctx).session_id).write(short as usize) };
        Ok(())
    })
}

/// Closes the channel (an authenticated close to the enclave, when it was
/// established) and releases the context's state.
///
/// # Safety
/// As [`cc_sec_chl_client_init`]; no other thread uses `ctx` meanwhile or after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_client_fini(ctx: *mut cc_sec_chl_ctx_t) {
    guarded("cc_sec_chl_client_fini", || {
        // SAFETY: null or valid per the contract; no other user meanwhile.
        let Some(c) = (unsafe { ctx.as_mut() }) else {
            return Ok(());
        };
        if c.handle.is_null() {
            return Ok(());
        }
        // SAFETY: non-null, set by init from Box::into_raw; cleared below so
        // it is freed once.
        let h = unsafe { Box::from_raw(c.handle.cast::<Handle>()) };
        c.handle = std::ptr::null_mut();
        c.session_id = 0;
        let close = {
            let mut channel = h.channel()?;
            channel
                .is_established()
                .then(|| channel.close())
                .transpose()
        };
        if let (Ok(Some(frame)), Ok(mut send)) = (close, sender(&c.conn_kit)) {
            // The enclave forgets the session on its own if this is lost.
            if let Err(e) = send(&frame) {
                tracing::warn!(target: "secgear::c", "the close did not reach the server: {e}");
            }
        }
        Ok(())
    });
}

/// Hands the library a secure-channel message the application received
/// from the server (without its own framing). An empty message is ignored.
///
/// # Safety
/// `ctx` as in [`cc_sec_chl_client_fini`], but other threads may use it;
/// `buf` is null or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_client_callback(
    ctx: *mut cc_sec_chl_ctx_t,
    buf: *mut c_void,
    len: usize,
) -> u32 {
    guarded("cc_sec_chl_client_callback", || {
        // An empty message (the answer to a close) needs no state: fini
        // may have released it already.
        if len == 0 {
            return Ok(());
        }
        // SAFETY: forwarded contract.
        let h = unsafe { live_handle(ctx) }?;
        // SAFETY: forwarded contract.
        let message = unsafe { input(buf, len, "buf") }?;
        h.deliver(message)
    })
}

/// # Safety
/// `ptr` is null or points to `len` readable bytes.
unsafe fn input<'a>(ptr: *const c_void, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if ptr.is_null() || len == 0 || len > isize::MAX as usize {
        return Err(Error::bad_parameters(format!("{what} is NULL or empty")));
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Checks `out` has room for `needed` bytes; else writes `needed` to
/// `*out_len` and fails with `CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH`.
///
/// # Safety
/// `out_len` is null or points to a writable `size_t`.
unsafe fn room(out: *mut c_void, out_len: *mut usize, needed: usize) -> Result<(), Error> {
    if out_len.is_null() || !out_len.is_aligned() {
        return Err(Error::bad_parameters("the length pointer is NULL"));
    }
    // SAFETY: checked; writable per the contract.
    let have = unsafe { out_len.read() };
    if out.is_null() || have < needed {
        // SAFETY: as above.
        unsafe { out_len.write(needed) };
        return Err(Error::new(
            ErrorCode::SecChlLenNotEnough,
            format!("{needed} bytes needed, {have} given"),
        ));
    }
    Ok(())
}

/// # Safety
/// [`room`] accepted `out` for `bytes.len()`.
unsafe fn emit(out: *mut c_void, out_len: *mut usize, bytes: &[u8]) {
    // SAFETY: per the contract; distinct allocations.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.cast::<u8>(), bytes.len());
        out_len.write(bytes.len());
    }
}

/// Encrypts `plain` for the enclave. With `encrypt` NULL or `*encrypt_len`
/// too small: `CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH` and the needed length in
/// `*encrypt_len`.
///
/// # Safety
/// `ctx` as in [`cc_sec_chl_client_callback`]; `plain` is null or points to
/// `plain_len` readable bytes; `encrypt_len` is null or points to the
/// capacity of `encrypt`, which is null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_client_encrypt(
    ctx: *mut cc_sec_chl_ctx_t,
    plain: *mut c_void,
    plain_len: usize,
    encrypt: *mut c_void,
    encrypt_len: *mut usize,
) -> u32 {
    guarded("cc_sec_chl_client_encrypt", || {
        // SAFETY: forwarded contract.
        let h = unsafe { live_handle(ctx) }?;
        // SAFETY: forwarded contract.
        let plain = unsafe { input(plain, plain_len, "plain") }?;
        let mut channel = h.channel()?;
        if !channel.is_established() {
            return Err(Error::new(
                ErrorCode::SecChlNotReady,
                "the channel is not established",
            ));
        }
        // SAFETY: forwarded contract.
        unsafe { room(encrypt, encrypt_len, wire::sealed_len(plain.len())) }?;
        let frames = channel
            .encrypt(plain)
            .map_err(|e| Error::new(ErrorCode::SecChlEncrypt, e.to_string()))?
            .concat();
        // SAFETY: checked against the sealed length, which is the frames' length.
        unsafe { room(encrypt, encrypt_len, frames.len()) }?;
        // SAFETY: as above.
        unsafe { emit(encrypt, encrypt_len, &frames) };
        Ok(())
    })
}

/// Decrypts records from the enclave holding one whole message. With
/// `plain` NULL or `*plain_len` too small: `CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH`
/// and the needed length in `*plain_len`, the records left unopened.
///
/// # Safety
/// As [`cc_sec_chl_client_encrypt`], with the roles of the buffers swapped.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_client_decrypt(
    ctx: *mut cc_sec_chl_ctx_t,
    encrypt: *mut c_void,
    encrypt_len: usize,
    plain: *mut c_void,
    plain_len: *mut usize,
) -> u32 {
    guarded("cc_sec_chl_client_decrypt", || {
        // SAFETY: forwarded contract.
        let h = unsafe { live_handle(ctx) }?;
        // SAFETY: forwarded contract.
        let bytes = unsafe { input(encrypt, encrypt_len, "encrypt") }?;
        let invalid =
            |e: ChannelError| Error::new(ErrorCode::SecChlEncryptedLenInvalid, e.to_string());
        let frames = wire::split(bytes).map_err(invalid)?;
        let announced = wire::announced_data_len(&frames).map_err(invalid)?;
        // SAFETY: forwarded contract.
        unsafe { room(plain, plain_len, announced) }?;
        let mut channel = h.channel()?;
        for frame in frames {
            let opened = channel.decrypt(frame).map_err(|e| {
                let code = if e == ChannelError::Closed {
                    ErrorCode::SecChlInvalidSession
                } else {
                    ErrorCode::SecChlDecrypt
                };
                Error::new(code, e.to_string())
            })?;
            if let Some(message) = opened {
                // SAFETY: forwarded contract.
                unsafe { room(plain, plain_len, message.len()) }?;
                // SAFETY: checked by `room`.
                unsafe { emit(plain, plain_len, &message) };
                return Ok(());
            }
        }
        Err(Error::new(
            ErrorCode::SecChlDecrypt,
            "the records hold no whole message",
        ))
    })
}
