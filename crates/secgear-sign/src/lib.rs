//! Measurement and signing of enclave images.
//!
//! A **signed image** is the enclave executable followed by a signature
//! block and a trailer, so it still runs as the executable it was:
//!
//! ```text
//! image bytes | block | block_len:u32 LE | "SGSIG001"
//! block = version:u8 (1) | config (17 bytes, below) | measurement[32]
//!       | key_len:u16 LE | public key (SEC1 uncompressed P-384)
//!       | sig_len:u16 LE | signature (ECDSA P-384/SHA-384, raw r||s)
//! config = product_id:u16 | security_version:u16 | debug:u8 | threads:u32 | heap_limit:u64   (LE)
//! ```
//!
//! The **measurement** is `SHA-256("secgear-measurement-v1\0" || len(image):u64 LE || image || config)`:
//! reproducible, covering the code and the configuration it runs with.
//! The signature covers `"secgear-signature-v1\0" || measurement`. The
//! **signer id** is `SHA-256(public key SEC1 uncompressed)`.
#![forbid(unsafe_code)]

mod config;
mod image;
mod keys;

pub use config::{Config, ConfigError};
pub use image::{SignError, SignedImage, measure, sign, verify};
pub use keys::{KeyError, generate_key, load_key, save_key, signer_id};
