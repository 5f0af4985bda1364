//! The unified remote-attestation core of secgear-rs.
//!
//! Evidence from any supported TEE goes through the same pipeline:
//!
//! 1. a [`Verifier`] for its TEE checks signatures, the chain to a trust
//!    anchor and the freshness binding, reporting each result separately,
//!    and returns normalised claims;
//! 2. a Rego [policy](policy) compares them with [reference values](reference)
//!    and produces an appraisal in the IETF RATS EAR model (status and AR4SI
//!    trustworthiness vector);
//! 3. the appraisal is issued as a signed EAR [token](token) (JWT) — for every
//!    appraisal, with a status that says what happened. Relying parties check
//!    it with [`token::verify_token`], which refuses non-affirming results by
//!    default.
#![forbid(unsafe_code)]

pub mod anchors;
pub mod appraise;
pub mod cert_table;
pub mod collateral;
pub mod crypto;
pub mod encoding;
pub mod envelope;
pub mod eventlog;
pub mod ima;
pub mod needs;
pub mod policy;
pub mod reference;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token;
pub mod verifier;
pub mod verifiers;

pub use anchors::TrustAnchors;
pub use appraise::{Appraisal, Appraiser, Clock, Mode};
pub use reference::ReferenceValues;

pub use verifier::{
    Check, CheckName, Context, Freshness, TeeKind, UnknownTee, Verified, Verifier, VerifyError,
};
