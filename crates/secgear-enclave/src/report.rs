//! Attestation evidence for enclave code.

use crate::context::Context;
use crate::platform::Evidence;
use secgear_abi::{Error, ErrorCode};

/// Evidence that binds `report_data` to this enclave's identity. The
/// platform fills in the measurement and signer it recorded when it loaded
/// the enclave: enclave code cannot choose them. On the simulation TEE the
/// format is the COSE_Sign1 described in `secgear_sim::evidence`.
///
/// Report data ending in a tag the runtime reserves for its own bindings
/// (secure-channel handshakes, TEE-held keys) is refused: otherwise any code
/// that signs data on a caller's behalf would let the caller forge them.
pub fn report(report_data: &[u8; 64]) -> Result<Evidence, Error> {
    report_checked(Context::get()?, report_data)
}

/// [`report`] in a given context: for the built-in call the host makes.
pub(crate) fn report_checked(ctx: &Context, report_data: &[u8; 64]) -> Result<Evidence, Error> {
    let tail = &report_data[32..];
    if tail == secgear_channel::binding::REPORT_TAG || tail == secgear_tee_key::REPORT_TAG {
        return Err(Error::new(
            ErrorCode::AccessDenied,
            "this report data is reserved for the runtime's own bindings",
        ));
    }
    ctx.platform.report(report_data)
}

/// Fills `buf` from the platform's cryptographically secure source.
pub fn random(buf: &mut [u8]) -> Result<(), Error> {
    Context::get()?.platform.random(buf)
}
