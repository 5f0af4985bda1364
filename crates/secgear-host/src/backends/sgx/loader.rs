//! Creating an enclave on Intel SGX.

use crate::backend::Backend;
use crate::enclave::EnclaveInfo;
use secgear_abi::{Error, ErrorCode};

pub(crate) fn create(_image: &std::path::Path) -> Result<(Box<dyn Backend>, EnclaveInfo), Error> {
    Err(Error::new(
        ErrorCode::NotSupported,
        "Intel SGX is detected, but this release has no Intel SGX backend yet; use TeeType::Sim",
    ))
}
