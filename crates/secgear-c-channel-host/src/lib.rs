//! `libusecure_channel.so`: the original secGear secure-channel server API
//! for the untrusted host (`secure_channel_host.h`). The host holds no keys
//! and reads nothing: it relays each handshake frame a client sends to the
//! enclave's runtime (`secgear-channel` inside the enclave) and sends the
//! answer back through the connection's `conn_kit.send`, exactly one send
//! per callback, as the original. Records carrying application data go to
//! the application's own ECALLs, which decrypt them with
//! `cc_sec_chl_enclave_decrypt`.
//!
//! Every entry point checks its pointers and never unwinds into C.

mod relay;
pub mod types;

use relay::{Relay, relay};
use secgear_abi::{Error, ErrorCode};
use secgear_channel::wire::{self, Kind};
use types::{cc_sec_chl_conn_ctx_t, cc_sec_chl_svr_ctx_t};

fn guarded(what: &str, body: impl FnOnce() -> Result<(), Error>) -> u32 {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(())) => 0,
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

/// Starts serving secure channels for `ctx->enclave_ctx`. Calling it again
/// on a started context changes nothing.
///
/// # Safety
/// `ctx` is null or points to a writable `cc_sec_chl_svr_ctx_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_svr_init(ctx: *mut cc_sec_chl_svr_ctx_t) -> u32 {
    guarded("cc_sec_chl_svr_init", || {
        // SAFETY: null or valid per the contract.
        let ctx = unsafe { ctx.as_mut() }.ok_or_else(|| Error::bad_parameters("ctx is NULL"))?;
        if ctx.enclave_ctx.is_null() {
            return Err(Error::bad_parameters("ctx->enclave_ctx is NULL"));
        }
        if !ctx.is_init {
            // Sessions expire inside the enclave as they are used; no
            // timer thread, so no descriptors.
            ctx.timer.timerfd = -1;
            ctx.timer.eventfd = -1;
            ctx.is_init = true;
        }
        Ok(())
    })
}

/// Stops serving: later callbacks on this context fail.
///
/// # Safety
/// As [`cc_sec_chl_svr_init`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_svr_fini(ctx: *mut cc_sec_chl_svr_ctx_t) -> u32 {
    guarded("cc_sec_chl_svr_fini", || {
        // SAFETY: null or valid per the contract.
        let ctx = unsafe { ctx.as_mut() }.ok_or_else(|| Error::bad_parameters("ctx is NULL"))?;
        ctx.is_init = false;
        Ok(())
    })
}

/// The answer to the frames in one client message; a failure becomes a
/// REJECT frame, so the client learns why instead of waiting.
///
/// # Safety
/// `enclave` as in [`relay`].
unsafe fn answer(enclave: *mut std::ffi::c_void, message: &[u8]) -> (Vec<u8>, Result<(), Error>) {
    let mut out = Vec::new();
    let frames = match wire::split(message) {
        Ok(f) => f,
        Err(e) => {
            let e = Error::new(
                ErrorCode::SecChlRecvMsgLenInvalid,
                format!("not frames: {e}"),
            );
            return (reject(&e), Err(e));
        }
    };
    for frame in frames {
        let what = match wire::parse(frame).map(|f| f.kind) {
            Ok(Kind::Hello | Kind::Handshake) => Relay::Handshake,
            Ok(Kind::Record) => Relay::Close,
            Ok(Kind::Reject) => {
                let e = Error::bad_parameters("clients do not send REJECT");
                return (reject(&e), Err(e));
            }
            Err(e) => {
                let e = Error::new(
                    ErrorCode::SecChlRecvMsgLenInvalid,
                    format!("a bad frame: {e}"),
                );
                return (reject(&e), Err(e));
            }
        };
        // SAFETY: forwarded contract.
        match unsafe { relay(enclave, what, frame) } {
            Ok(reply) => out.extend_from_slice(&reply),
            Err(e) => return (reject(&e), Err(e)),
        }
    }
    (out, Ok(()))
}

fn reject(e: &Error) -> Vec<u8> {
    wire::frame(Kind::Reject, &[0; 16], e.to_string().as_bytes())
}

/// Handles one secure-channel message from a client connection and sends
/// the answer (possibly empty, for a close) through `ctx->conn_kit.send`.
///
/// # Safety
/// `ctx` is null or points to a `cc_sec_chl_conn_ctx_t` whose `svr_ctx` is
/// null or started; `buf` is null or points to `buf_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cc_sec_chl_svr_callback(
    ctx: *mut cc_sec_chl_conn_ctx_t,
    buf: *mut std::ffi::c_void,
    buf_len: usize,
) -> u32 {
    guarded("cc_sec_chl_svr_callback", || {
        // SAFETY: null or valid per the contract.
        let ctx = unsafe { ctx.as_mut() }.ok_or_else(|| Error::bad_parameters("ctx is NULL"))?;
        // SAFETY: null or valid per the contract.
        let svr = unsafe { ctx.svr_ctx.as_ref() }
            .filter(|s| s.is_init && !s.enclave_ctx.is_null())
            .ok_or_else(|| Error::new(ErrorCode::SecChlSvrInit, "the server is not started"))?;
        let (Some(send), false) = (ctx.conn_kit.send, ctx.conn_kit.conn.is_null()) else {
            return Err(Error::new(
                ErrorCode::SecChlInvalidConn,
                "conn_kit.send or conn_kit.conn is NULL",
            ));
        };
        if buf.is_null() || buf_len == 0 || buf_len > isize::MAX as usize {
            return Err(Error::bad_parameters("buf is NULL or empty"));
        }
        // SAFETY: non-null, and the caller promises `buf_len` readable bytes.
        let message = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), buf_len) };
        // SAFETY: the enclave pointer comes from a started server context.
        let (mut reply, outcome) = unsafe { answer(svr.enclave_ctx, message) };
        // An empty answer still goes out: the client may be blocked reading.
        let mut empty = [0u8; 1];
        let ptr = if reply.is_empty() {
            empty.as_mut_ptr()
        } else {
            reply.as_mut_ptr()
        };
        // SAFETY: the application's own send function, with its connection
        // and a live buffer of `reply.len()` bytes.
        let sent = unsafe { send(ctx.conn_kit.conn, ptr.cast(), reply.len()) };
        if sent < 0 {
            return Err(Error::new(ErrorCode::SecChlSendMsg, "conn_kit.send failed"));
        }
        outcome
    })
}
