//! One module per TEE, each behind a cargo feature (all on by default).

#[cfg(feature = "cca")]
pub mod cca;
#[cfg(any(feature = "cca", feature = "virtcca"))]
mod cose;
#[cfg(any(feature = "sgx", feature = "tdx"))]
pub mod dcap;
#[cfg(feature = "itrustee")]
pub mod itrustee;
mod logs;
#[cfg(feature = "nitro")]
pub mod nitro;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "snp")]
pub mod snp;
#[cfg(feature = "virtcca")]
pub mod virtcca;

use crate::verifier::{TeeKind, Verifier};

/// The verifier for `tee`, if it is built in.
pub fn for_tee(tee: TeeKind) -> Option<Box<dyn Verifier>> {
    match tee {
        #[cfg(feature = "sim")]
        TeeKind::Sim => Some(Box::new(sim::SimVerifier)),
        #[cfg(feature = "cca")]
        TeeKind::Cca => Some(Box::new(cca::CcaVerifier::default())),
        #[cfg(feature = "virtcca")]
        TeeKind::Virtcca => Some(Box::new(virtcca::VirtccaVerifier)),
        #[cfg(feature = "itrustee")]
        TeeKind::Itrustee => Some(Box::new(itrustee::ItrusteeVerifier)),
        #[cfg(feature = "sgx")]
        TeeKind::Sgx => Some(Box::new(dcap::DcapVerifier::sgx())),
        #[cfg(feature = "tdx")]
        TeeKind::Tdx => Some(Box::new(dcap::DcapVerifier::tdx())),
        #[cfg(feature = "snp")]
        TeeKind::Snp => Some(Box::new(snp::SnpVerifier)),
        #[cfg(feature = "nitro")]
        TeeKind::Nitro => Some(Box::new(nitro::NitroVerifier)),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
