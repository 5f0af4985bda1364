//! Calls to the (simulated) platform: attestation evidence and randomness.

use crate::runtime::HostTransport;
use secgear_abi::{CallKind, Error, ErrorCode, Reader, Transport, Writer};
use secgear_sim::platform;

/// Attestation evidence produced by the platform for this enclave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence(pub Vec<u8>);

/// Evidence that binds `report_data` to this enclave's identity. The
/// platform fills in the measurement and signer it recorded when it loaded
/// the enclave: enclave code cannot choose them. On the simulation TEE the
/// format is the COSE_Sign1 described in `secgear_sim::evidence`.
///
/// Report data ending in a tag the runtime reserves for its own bindings
/// (secure-channel handshakes, TEE-held keys) is refused: otherwise any code
/// that signs data on a caller's behalf would let the caller forge them.
pub fn report(report_data: &[u8; 64]) -> Result<Evidence, Error> {
    let tail = &report_data[32..];
    if tail == secgear_channel::binding::REPORT_TAG || tail == secgear_tee_key::REPORT_TAG {
        return Err(Error::new(
            ErrorCode::AccessDenied,
            "this report data is reserved for the runtime's own bindings",
        ));
    }
    report_reserved(report_data)
}

/// [`report`] without the reservation check: for the runtime's own bindings.
pub(crate) fn report_reserved(report_data: &[u8; 64]) -> Result<Evidence, Error> {
    let mut w = Writer::request(CallKind::Platform, platform::REPORT);
    w.put(report_data);
    let reply = HostTransport.call(w.finish())?;
    let mut r = Reader::reply(&reply)?;
    let evidence: Vec<u8> = r.get_vec()?;
    r.finish()?;
    Ok(Evidence(evidence))
}

/// Fills `buf` from the operating system's CSPRNG.
pub fn random(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(|e| Error::new(ErrorCode::Generic, format!("random source: {e}")))
}

/// Asks the platform for the sealing key bound to `policy`, `salt` and
/// security version `svn` ([`platform::CURRENT_SVN`] for this enclave's
/// own); returns the key and the version it is for.
pub(crate) fn seal_key(
    policy: u8,
    salt: &[u8; 32],
    svn: u16,
) -> Result<(zeroize::Zeroizing<[u8; 32]>, u16), Error> {
    let mut w = Writer::request(CallKind::Platform, platform::SEAL_KEY);
    w.put(&policy);
    w.put(salt);
    w.put(&svn);
    let reply = HostTransport.call(w.finish())?;
    let mut r = Reader::reply(&reply)?;
    let key = zeroize::Zeroizing::new(r.get::<[u8; 32]>()?);
    let svn: u16 = r.get()?;
    r.finish()?;
    Ok((key, svn))
}

/// Sends one log line to the host.
pub(crate) fn log(level: u8, target: &str, message: &str) {
    let mut w = Writer::request(CallKind::Platform, platform::LOG);
    w.put(&level);
    w.put_slice(target.as_bytes());
    w.put_slice(message.as_bytes());
    // Logging must never fail the code that logs.
    let _ = HostTransport.call(w.finish());
}
