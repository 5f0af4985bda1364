//! The host API of secgear-rs.
//!
//! ```ignore
//! let enclave = Enclave::builder(path_to_signed_image)
//!     .tee(TeeType::Sim)
//!     .debug(true)
//!     .threads(4)
//!     .ocalls(helloworld::Ocalls(MyUntrustedImpl))
//!     .create()?;
//! let hello = helloworld::Client::new(&enclave);
//! hello.get_string(&mut buf)?;
//! ```
//!
//! Errors are [`Error`]s whose [`ErrorCode`] values are the original
//! secGear `cc_enclave_result_t` numbers.
//!
//! Every TEE is a [`backend::Backend`] in a [`Registry`]; a backend outside
//! this crate implements the same traits and is passed to
//! [`EnclaveBuilder::backend`].

mod arena;
pub mod backend;
mod backends;
mod builder;
mod enclave;
pub mod probe;
mod registry;
mod shared;
pub mod switchless;
mod tee;

/// The simulation TEE's backend and its options.
#[cfg(feature = "sim")]
pub mod sim {
    pub use crate::backends::sim::confine::{Confinement, Protection, SimConfinement};
    pub use crate::backends::sim::platform::{STATE_DIR_ENV, SimPlatform};
    pub use crate::backends::sim::{SimBackend, SimDetails, SimOptions};
}

pub use builder::EnclaveBuilder;
pub use enclave::{Enclave, EnclaveInfo};
pub use registry::Registry;
pub use secgear_abi::{self as abi, Error, ErrorCode, NoOcalls, OcallDispatch, Transport};
pub use secgear_abi::{AsyncCall, AsyncId};
pub use shared::{SharedBuf, SharedParts};
#[cfg(feature = "sim")]
pub use sim::{Confinement, Protection, SimConfinement, SimOptions, SimPlatform};
pub use switchless::{SwitchlessConfig, SwitchlessStats, WorkersPolicy};
pub use tee::TeeType;

/// Includes the constants `secgear_build::EnclaveBuild` generated:
/// `ENCLAVE_IMAGE`, `ENCLAVE_MEASUREMENT`, `ENCLAVE_MEASUREMENT_HEX`, `ENCLAVE_SIGNER`.
#[macro_export]
macro_rules! include_enclave_image {
    () => {
        include!(concat!(env!("OUT_DIR"), "/secgear_enclave_image.rs"));
    };
}
