//! The host functions an enclave made from C may call. The generated
//! `X_u.c` hands its OCALL table over with each ECALL; OCALLs arriving
//! before any ECALL named a table are refused.

use secgear_abi::{Error, ErrorCode, OcallDispatch, Writer};

/// The OCALL dispatcher of one C-created enclave.
#[derive(Debug, Default)]
pub struct CallerOcalls {}

impl OcallDispatch for CallerOcalls {
    fn dispatch_ocall(&self, _request: &[u8]) -> Vec<u8> {
        Writer::error_reply(&Error::new(
            ErrorCode::InvalidCmd,
            "this enclave's host registered no OCALL table",
        ))
    }
}
