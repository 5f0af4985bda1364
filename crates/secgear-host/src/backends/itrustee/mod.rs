//! iTrustee: the hardware seam. The probe is real; this release has no loader,
//! and loading says exactly why it cannot run.

mod loader;
mod probe;

use crate::backend::{Backend, LoadOptions, Loaded};
use crate::probe::Probe;
use crate::tee::TeeType;
use secgear_abi::Error;

/// The iTrustee backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct ItrusteeBackend;

pub(crate) const NAME: &str = "iTrustee";

impl Backend for ItrusteeBackend {
    fn tee(&self) -> TeeType {
        TeeType::Itrustee
    }

    fn probe(&self) -> Probe {
        probe::probe()
    }

    fn load(&self, options: &LoadOptions) -> Result<Loaded, Error> {
        loader::load(&probe::probe(), options)
    }
}
