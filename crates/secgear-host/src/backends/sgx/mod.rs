//! Intel SGX: the hardware seam. The probe is real; this release has no loader,
//! and loading says exactly why it cannot run.

mod loader;
mod probe;

use crate::backend::{Backend, LoadOptions, Loaded};
use crate::probe::Probe;
use crate::tee::TeeType;
use secgear_abi::Error;

/// The Intel SGX backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct SgxBackend;

pub(crate) const NAME: &str = "Intel SGX";

impl Backend for SgxBackend {
    fn tee(&self) -> TeeType {
        TeeType::Sgx
    }

    fn probe(&self) -> Probe {
        probe::probe()
    }

    fn load(&self, options: &LoadOptions) -> Result<Loaded, Error> {
        loader::load(&probe::probe(), options)
    }
}
