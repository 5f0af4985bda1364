//! `libattestation_agent.so`: the original secGear attestation agent's C
//! API (`rust_attestation_agent.h`) over `secgear-agent`.
//!
//! - `get_report(challenge, ima, uuid)`: evidence of this machine's TEE
//!   bound to `challenge`, as JSON `{"tee": …, "evidence": base64}` (the
//!   agent daemon's `/v1/evidence` answer);
//! - `verify_report(challenge, report)`: that JSON appraised locally; the
//!   appraisal as JSON when it is affirming, else empty;
//! - `init_env_logger(level)`, `free_rust_vec(vec)`.
//!
//! Both read the agent's TOML configuration ([`report::CONFIG_ENV`], else
//! [`report::DEFAULT_CONFIG`]): `enclave` (or `tsm_root`) says what attests,
//! `[local]` what verifies. As in the original, failure is an empty vector
//! and a log line. Every vector handed out holds one byte past `len`, a
//! NUL: the original's example writes there.
//!
//! Every entry point checks its pointers and never unwinds into C.

mod logging;
pub mod report;
pub mod types;

use types::{Tuple2_bool_bool_t, Vec_uint8_t};

/// Runs `body`; a failure or a panic becomes an empty vector (still
/// holding its NUL) and a log line.
fn guarded(what: &str, body: impl FnOnce() -> Result<Vec<u8>, report::ReportError>) -> Vec_uint8_t {
    logging::init(None);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(bytes)) => Vec_uint8_t::from_vec(bytes),
        Ok(Err(e)) => {
            tracing::error!(target: "secgear::c::agent", "{what}: {e}");
            Vec_uint8_t::from_vec(Vec::new())
        }
        Err(_) => {
            tracing::error!(target: "secgear::c::agent", "{what}: internal error (a panic)");
            Vec_uint8_t::from_vec(Vec::new())
        }
    }
}

/// Installs the log output at `c_level` (`error` … `trace`; `RUST_LOG`
/// wins, as with the original's env_logger). NULL: `info`.
///
/// # Safety
/// `c_level` is NULL or points to a `Vec_uint8_t` whose `ptr` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn init_env_logger(c_level: *const Vec_uint8_t) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per this function's contract.
        let level = unsafe { types::borrow(c_level) }
            .ok()
            .flatten()
            .and_then(|b| std::str::from_utf8(b).ok());
        logging::init(level);
    });
}

/// Evidence for `c_challenge`; empty on failure.
///
/// # Safety
/// Each pointer is NULL or points to a value whose `ptr` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn get_report(
    c_challenge: *const Vec_uint8_t,
    c_ima: *const Tuple2_bool_bool_t,
    c_uuid: *const Vec_uint8_t,
) -> Vec_uint8_t {
    guarded("get_report", || {
        // SAFETY: per this function's contract.
        let challenge =
            unsafe { types::borrow(c_challenge) }?.ok_or(report::ReportError::Null("challenge"))?;
        // SAFETY: per this function's contract.
        let ima = unsafe { types::read_option_bool(c_ima) }?;
        // SAFETY: per this function's contract.
        let uuid = unsafe { types::borrow(c_uuid) }?.unwrap_or_default();
        report::get_report(challenge, ima.unwrap_or(false), uuid)
    })
}

/// The appraisal of `report` for `c_challenge` when affirming; empty
/// otherwise.
///
/// # Safety
/// Each pointer is NULL or points to a value whose `ptr` is NULL or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn verify_report(
    c_challenge: *const Vec_uint8_t,
    report: *const Vec_uint8_t,
) -> Vec_uint8_t {
    guarded("verify_report", || {
        // SAFETY: per this function's contract.
        let challenge =
            unsafe { types::borrow(c_challenge) }?.ok_or(report::ReportError::Null("challenge"))?;
        // SAFETY: per this function's contract.
        let evidence =
            unsafe { types::borrow(report) }?.ok_or(report::ReportError::Null("report"))?;
        report::verify_report(challenge, evidence)
    })
}

/// Frees a vector `get_report` or `verify_report` returned (an empty one,
/// or one with a NULL `ptr`, is a no-op).
///
/// # Safety
/// `vec` is exactly as this library returned it and not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn free_rust_vec(vec: Vec_uint8_t) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per this function's contract.
        unsafe { vec.free() };
    });
}
