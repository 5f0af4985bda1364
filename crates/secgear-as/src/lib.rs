//! The secgear-rs attestation service.
//!
//! A relying party (or the attestation agent on its behalf) asks for a
//! single-use nonce, has the TEE bind `SHA-256(nonce || runtime_data)` into
//! its evidence, and posts the evidence: the service verifies it with the
//! attestation core (`secgear-attest`), appraises it with the stored Rego
//! policy against the stored reference values, and returns a signed EAR
//! token. An affirming token whose claims satisfy a resource's policy
//! unlocks that resource, encrypted to the TEE key the token carries.
//!
//! Storage is SQLite by default and PostgreSQL for several instances; see
//! [`config`] for every setting and `GET /v1/openapi.json` for the API.
#![forbid(unsafe_code)]

mod admin;
mod api;
mod auth;
pub mod collateral_source;
pub mod config;
pub mod error;
pub mod ids;
mod metrics;
mod resource_policy;
mod server;
pub mod signing_key;
pub mod state;
pub mod store;

pub use config::Config;
/// What clients share with the service, re-exported for them.
pub use secgear_as_api::{AttestRequest, AttestResponse, Challenge, b64, sealing};
pub use server::{
    ApiDoc, Running, ServeError, TlsError, default_crypto_provider, serve, serve_with_provider,
    start, start_with_provider,
};
