//! One module per TEE, each behind a cargo feature (all on by default).

#[cfg(feature = "cca")]
pub mod cca;
#[cfg(feature = "cca")]
mod cose;
#[cfg(feature = "sim")]
pub mod sim;

use crate::verifier::{TeeKind, Verifier};

/// The verifier for `tee`, if it is built in.
pub fn for_tee(tee: TeeKind) -> Option<Box<dyn Verifier>> {
    match tee {
        #[cfg(feature = "sim")]
        TeeKind::Sim => Some(Box::new(sim::SimVerifier)),
        #[cfg(feature = "cca")]
        TeeKind::Cca => Some(Box::new(cca::CcaVerifier::default())),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
