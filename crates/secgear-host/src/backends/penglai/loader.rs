//! Creating an enclave on Penglai (RISC-V).

use crate::backend::Backend;
use crate::enclave::EnclaveInfo;
use secgear_abi::{Error, ErrorCode};

pub(crate) fn create(_image: &std::path::Path) -> Result<(Box<dyn Backend>, EnclaveInfo), Error> {
    Err(Error::new(
        ErrorCode::NotSupported,
        "Penglai (RISC-V) is detected, but this release has no Penglai (RISC-V) backend yet; use TeeType::Sim",
    ))
}
