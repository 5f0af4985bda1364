//! The OCALL transport enclave code hands the generated `OcallClient`.

use crate::context::Context;
use secgear_abi::{Error, Transport};

/// Carries the enclave's OCALLs to the host through the installed platform.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostTransport;

/// The transport for the generated `OcallClient`: `edl::OcallClient::new(secgear_enclave::host())`.
pub fn host() -> HostTransport {
    HostTransport
}

impl Transport for HostTransport {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        Context::get()?.platform.ocall(request)
    }

    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        Context::get()?.platform.ocall_switchless(request)
    }
}
