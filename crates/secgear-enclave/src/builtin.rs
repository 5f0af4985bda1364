//! Calls every enclave answers without any EDL: what an attestation agent
//! on the host needs from an enclave it did not write.

use crate::context::Context;
use secgear_abi::wire::builtin;
use secgear_abi::{Error, ErrorCode, Reader, Writer};

pub(crate) fn serve(ctx: &'static Context, function_id: u32, request: &[u8]) -> Vec<u8> {
    let result = match function_id {
        builtin::REPORT => report(ctx, request),
        builtin::KEY_REPORT => key_report(ctx, request),
        builtin::CHANNEL_HANDSHAKE => channel_handshake(ctx, request),
        builtin::CHANNEL_CLOSE => channel_close(ctx, request),
        other => Err(Error::new(
            ErrorCode::InvalidCmd,
            format!("no built-in call {other}"),
        )),
    };
    result.unwrap_or_else(|e| Writer::error_reply(&e))
}

/// One step of a secure-channel handshake.
fn channel_handshake(ctx: &'static Context, request: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, mut r) = Reader::request(request)?;
    let frame: Vec<u8> = r.get_vec()?;
    r.finish()?;
    let replies = crate::channel::handshake(ctx, &frame)?;
    let mut w = Writer::reply();
    w.put_slice(&replies.concat());
    Ok(w.finish())
}

/// A client's close, relayed.
fn channel_close(ctx: &'static Context, request: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, mut r) = Reader::request(request)?;
    let frame: Vec<u8> = r.get_vec()?;
    r.finish()?;
    crate::channel::client_close(ctx, &frame)?;
    Ok(Writer::reply().finish())
}

/// Evidence binding the enclave's own key to a verifier's nonce.
fn key_report(ctx: &Context, request: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, mut r) = Reader::request(request)?;
    let nonce: Vec<u8> = r.get_vec()?;
    r.finish()?;
    if nonce.is_empty() || nonce.len() > 64 {
        return Err(Error::bad_parameters("the nonce must be 1..=64 bytes"));
    }
    let (runtime_data, evidence) = crate::tee_key::report(ctx, &nonce)?;
    let mut w = Writer::reply();
    w.put_slice(&runtime_data);
    w.put_slice(&evidence.0);
    Ok(w.finish())
}

/// Evidence over report data the host chose (a verifier's challenge).
fn report(ctx: &Context, request: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, mut r) = Reader::request(request)?;
    let report_data: [u8; 64] = r.get()?;
    r.finish()?;
    let evidence = crate::report::report_checked(ctx, &report_data)?;
    let mut w = Writer::reply();
    w.put_slice(&evidence.0);
    Ok(w.finish())
}
