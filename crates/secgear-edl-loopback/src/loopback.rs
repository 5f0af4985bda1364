//! An in-memory "enclave": the host client's requests go straight to the
//! enclave dispatcher, and the enclave's OCALLs straight to the host's, with
//! the nesting context a real runtime would track.

use crate::{enclave, host};
use secgear_abi::{EcallContext, Error, FunctionInfo, Transport};
use std::cell::Cell;
use std::sync::Arc;

thread_local! {
    /// The OCALL this thread is inside, as an index into `host::OCALLS`.
    static ACTIVE_OCALL: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Both sides, wired together.
pub struct Loopback<E, H> {
    pub trusted: E,
    pub untrusted: H,
}

/// Carries ECALL requests from the host client to the enclave.
pub struct EcallPort<E, H>(pub Arc<Loopback<E, H>>);

/// Carries OCALL requests from the enclave to the host.
pub struct OcallPort<E, H>(pub Arc<Loopback<E, H>>);

impl<E: enclave::Trusted, H: host::Untrusted> Transport for EcallPort<E, H> {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        let active: Option<&FunctionInfo> = ACTIVE_OCALL
            .with(Cell::get)
            .and_then(|i| host::OCALLS.get(i));
        let ctx = EcallContext {
            active_ocall: active,
        };
        Ok(enclave::dispatch_ecall(&self.0.trusted, &ctx, &request))
    }
}

impl<E: enclave::Trusted, H: host::Untrusted> Transport for OcallPort<E, H> {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        let id = secgear_abi::Reader::request(&request)
            .map(|(h, _)| h.function_id as usize)
            .ok();
        let outer = ACTIVE_OCALL.with(|a| a.replace(id));
        let reply = host::dispatch_ocall(&self.0.untrusted, &request);
        ACTIVE_OCALL.with(|a| a.set(outer));
        Ok(reply)
    }
}
