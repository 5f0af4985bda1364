//! Creating an enclave on iTrustee: not in this release.

use crate::backend::{LoadOptions, Loaded};
use crate::probe::Probe;
use crate::tee::TeeType;
use secgear_abi::Error;

pub(super) fn load(probe: &Probe, options: &LoadOptions) -> Result<Loaded, Error> {
    Err(super::super::hardware::refuse_load(
        TeeType::Itrustee,
        super::NAME,
        probe,
        options,
    ))
}
