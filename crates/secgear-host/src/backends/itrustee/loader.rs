//! Creating an enclave on Huawei iTrustee (Arm TrustZone).

use crate::backend::Backend;
use crate::enclave::EnclaveInfo;
use secgear_abi::{Error, ErrorCode};

pub(crate) fn create(_image: &std::path::Path) -> Result<(Box<dyn Backend>, EnclaveInfo), Error> {
    Err(Error::new(
        ErrorCode::NotSupported,
        "Huawei iTrustee (Arm TrustZone) is detected, but this release has no Huawei iTrustee (Arm TrustZone) backend yet; use TeeType::Sim",
    ))
}
