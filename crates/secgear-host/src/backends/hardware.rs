//! What the hardware backends of this release share: they probe for real,
//! and refuse to load with the precise reason.

use crate::backend::LoadOptions;
use crate::probe::{Availability, Probe};
use crate::tee::TeeType;
use secgear_abi::{Error, ErrorCode};

/// Why `tee` cannot load `options.image` here, given what its probe found.
pub(super) fn refuse_load(tee: TeeType, name: &str, probe: &Probe, options: &LoadOptions) -> Error {
    let what = format!(
        "cannot load {} on {name} ({} enclave, {} threads{})",
        options.image.display(),
        if options.debug { "debug" } else { "production" },
        options
            .threads
            .map_or_else(|| "signed number of".to_owned(), |t| t.to_string()),
        if options.switchless.is_some() {
            ", switchless"
        } else {
            ""
        },
    );
    let code = match probe.availability {
        Availability::DeviceMissing => ErrorCode::NoDevice,
        Availability::NoAccess => ErrorCode::AccessDenied,
        Availability::Ready | Availability::NoLoader | Availability::NotBuilt { .. } => {
            ErrorCode::NotSupported
        }
    };
    let hint = match probe.availability {
        Availability::NoLoader => {
            format!("; this release of secgear-rs has no {name} loader, use TeeType::Sim")
        }
        _ => "; use TeeType::Sim to run on the simulation TEE".to_owned(),
    };
    Error::new(code, format!("{what}: {tee} {}{hint}", probe.describe()))
}
