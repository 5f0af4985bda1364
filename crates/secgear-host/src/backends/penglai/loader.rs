//! Creating an enclave on Penglai: not in this release.

use crate::backend::{LoadOptions, Loaded};
use crate::probe::Probe;
use crate::tee::TeeType;
use secgear_abi::Error;

pub(super) fn load(probe: &Probe, options: &LoadOptions) -> Result<Loaded, Error> {
    Err(super::super::hardware::refuse_load(
        TeeType::Penglai,
        super::NAME,
        probe,
        options,
    ))
}
