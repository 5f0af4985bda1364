//! The enclave's own X25519 key, made inside the enclave on first use and
//! never handed out. Its public half goes into the runtime data of the
//! enclave's evidence (through the built-in `KEY_REPORT` call), so a
//! verifier that affirms the evidence can seal secrets to it — resources of
//! the attestation service among them — that only this enclave can open.

use crate::context::{Context, KeyPair};
use crate::platform::Evidence;
use secgear_abi::{Error, ErrorCode};

pub use secgear_tee_key::SealedResource;

fn key(ctx: &Context) -> &KeyPair {
    ctx.tee_key.get_or_init(secgear_tee_key::generate_keypair)
}

/// The public key, as verifiers see it in the runtime data.
pub fn public_key() -> Result<[u8; 32], Error> {
    Ok(key(Context::get()?).1)
}

/// Opens a resource sealed to this enclave's key for `path`.
pub fn open(path: &str, sealed: &SealedResource) -> Result<Vec<u8>, Error> {
    let (enc, ciphertext) = sealed
        .parts()
        .map_err(|e| Error::bad_parameters(format!("sealed resource {path}: {e}")))?;
    open_parts(path, &enc, &ciphertext)
}

/// [`open`] on the decoded encapsulated key and ciphertext.
pub fn open_parts(path: &str, enc: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let ctx = Context::get()?;
    secgear_tee_key::open_parts(&key(ctx).0, path, enc, ciphertext).map_err(|e| {
        Error::new(
            ErrorCode::MacInvalid,
            format!("sealed resource {path}: {e}"),
        )
    })
}

/// The runtime data carrying the public key, and evidence over
/// `SHA-256(nonce || runtime_data) || REPORT_TAG`.
pub(crate) fn report(ctx: &Context, nonce: &[u8]) -> Result<(Vec<u8>, Evidence), Error> {
    let runtime_data = secgear_tee_key::runtime_data(&key(ctx).1);
    let report_data = secgear_tee_key::report_data(nonce, &runtime_data);
    let evidence = ctx.platform.report(&report_data)?;
    Ok((runtime_data, evidence))
}
