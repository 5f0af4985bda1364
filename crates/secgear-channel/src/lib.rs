//! A secure channel from a data owner into an enclave, bound to remote
//! attestation, so that the untrusted host relaying the bytes can neither
//! read nor alter them.
//!
//! - **Handshake**: Noise XX (X25519, AES-256-GCM, SHA-256) between the
//!   client and the enclave. The enclave then sends evidence whose report
//!   data commits to a label, the protocol version, the handshake hash and
//!   its static key ([`binding`]); the client verifies it (peer to peer with
//!   [`AppraisalVerifier`], or any [`EvidenceVerifier`]) before it trusts
//!   the session. A host in the middle has two different handshake hashes
//!   and cannot make the evidence fit both. Optional: client keys checked
//!   against an allow list; mutual attestation.
//! - **Records**: one key per direction, a 64-bit counter per direction
//!   checked before decryption (replay, reorder), the direction in the
//!   authenticated header (reflection), explicit lengths (truncation),
//!   rekeying every `rekey_after` records, messages chunked into records,
//!   and an authenticated close.
//! - **Sans-I/O**: [`ClientChannel`], [`SessionTable`] (the enclave) and
//!   [`ChannelHost`] consume and produce bytes; the application owns the
//!   network. The wire format is in [`wire`].
#![forbid(unsafe_code)]

/// The protocol version: in every frame header and in what the evidence binds.
pub const VERSION: u8 = 1;

pub mod binding;
pub mod client;
pub mod error;
pub mod host;
mod noise;
pub mod record;
pub mod server;
#[cfg(feature = "attest")]
pub mod verify;
pub mod wire;

pub use binding::{EvidenceError, EvidenceProvider, EvidenceVerifier, Refusal, Role};
pub use client::{ClientChannel, ClientConfig, Event};
pub use error::{ChannelError, HandshakeError, NoiseError, NoiseStep, Result};
pub use host::{ChannelHost, ConnId, Route};
pub use noise::{PATTERN, generate_static_key};
pub use server::{Delivered, ServerConfig, SessionTable};
#[cfg(feature = "attest")]
pub use verify::AppraisalVerifier;

/// Records per direction between rekeys.
pub const DEFAULT_REKEY_AFTER: u64 = 1 << 20;
/// Largest message (reassembled from chunks).
pub const DEFAULT_MAX_MESSAGE: usize = 16 << 20;
