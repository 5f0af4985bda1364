//! Calls every enclave answers without any EDL: what an attestation agent
//! on the host needs from an enclave it did not write.

use secgear_abi::wire::builtin;
use secgear_abi::{Error, ErrorCode, Reader, Writer};

pub(crate) fn serve(function_id: u32, request: &[u8]) -> Vec<u8> {
    let result = match function_id {
        builtin::REPORT => report(request),
        other => Err(Error::new(
            ErrorCode::InvalidCmd,
            format!("no built-in call {other}"),
        )),
    };
    result.unwrap_or_else(|e| Writer::error_reply(&e))
}

/// Evidence over report data the host chose (a verifier's challenge).
fn report(request: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, mut r) = Reader::request(request)?;
    let report_data: [u8; 64] = r.get()?;
    r.finish()?;
    let evidence = crate::platform::report(&report_data)?;
    let mut w = Writer::reply();
    w.put_slice(&evidence.0);
    Ok(w.finish())
}
