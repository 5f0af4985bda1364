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

mod backend;
mod backends;
mod builder;
mod enclave;
mod shared;
pub(crate) mod switchless;

pub use backends::sim::confine::{Confinement, Protection, SimConfinement};
pub use backends::sim::platform::{STATE_DIR_ENV, SimPlatform};
pub use builder::{EnclaveBuilder, TeeType};
pub use enclave::{Enclave, EnclaveInfo};
pub use secgear_abi::{self as abi, Error, ErrorCode, NoOcalls, OcallDispatch, Transport};
pub use secgear_abi::{AsyncCall, AsyncId};
pub use shared::SharedBuf;
pub use switchless::{SwitchlessConfig, SwitchlessStats, WorkersPolicy};

/// Includes the constants `secgear_build::EnclaveBuild` generated:
/// `ENCLAVE_IMAGE`, `ENCLAVE_MEASUREMENT`, `ENCLAVE_MEASUREMENT_HEX`, `ENCLAVE_SIGNER`.
#[macro_export]
macro_rules! include_enclave_image {
    () => {
        include!(concat!(env!("OUT_DIR"), "/secgear_enclave_image.rs"));
    };
}
