//! Sealing: data encrypted so only this enclave (or its signer's enclaves)
//! can read it back, on this platform.
//!
//! ```text
//! blob = "SGSEAL" | version:u8 (1) | policy:u8 | svn:u16 LE | salt[32] | nonce[12]
//!      | aad_len:u32 LE | data_len:u32 LE | aad | ciphertext | tag[16]
//! ```
//! The key comes from the platform: HKDF-SHA256 over its sealing root, the
//! salt, and the enclave identity the policy names — for the signer policy,
//! including the security version the data was sealed at, so a later
//! version can unseal it and an earlier, perhaps vulnerable, one cannot. AES-256-GCM
//! authenticates everything before the ciphertext, so the header and the
//! additional data cannot be changed either.

use crate::context::Context;
use crate::platform::KeyVersion;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use secgear_abi::{Error, ErrorCode};
pub use secgear_types::SealPolicy;

const MAGIC: &[u8; 6] = b"SGSEAL";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 6 + 1 + 1 + 2 + 32 + 12 + 4 + 4;
const TAG_LEN: usize = 16;

/// The size of the blob that sealing `data_len` bytes with `aad_len` bytes
/// of additional data produces; `None` if it would not fit in memory.
pub fn sealed_size(data_len: usize, aad_len: usize) -> Option<usize> {
    HEADER_LEN
        .checked_add(data_len)?
        .checked_add(aad_len)?
        .checked_add(TAG_LEN)
}

/// What [`unseal`] recovers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsealed {
    pub data: Vec<u8>,
    pub aad: Vec<u8>,
}

fn cipher(
    ctx: &Context,
    policy: SealPolicy,
    salt: &[u8; 32],
    version: KeyVersion,
) -> Result<(Aes256Gcm, u16), Error> {
    let (key, svn) = ctx.platform.seal_key(policy, salt, version)?;
    let cipher = Aes256Gcm::new_from_slice(key.as_ref())
        .map_err(|_| Error::new(ErrorCode::Unexpected, "sealing key length"))?;
    Ok((cipher, svn))
}

/// Seals `data`; `aad` travels in clear but cannot be altered.
pub fn seal(data: &[u8], aad: &[u8], policy: SealPolicy) -> Result<Vec<u8>, Error> {
    let too_big = || Error::new(ErrorCode::Overflow, "data or additional data exceed 4 GiB");
    let (data_len, aad_len) = (
        u32::try_from(data.len()).map_err(|_| too_big())?,
        u32::try_from(aad.len()).map_err(|_| too_big())?,
    );
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 12];
    let ctx = Context::get()?;
    ctx.platform.random(&mut salt)?;
    ctx.platform.random(&mut nonce)?;
    let (cipher, svn) = cipher(ctx, policy, &salt, KeyVersion::Current)?;
    let mut blob = Vec::with_capacity(sealed_size(data.len(), aad.len()).ok_or_else(too_big)?);
    blob.extend_from_slice(MAGIC);
    blob.push(VERSION);
    blob.push(policy as u8);
    blob.extend_from_slice(&svn.to_le_bytes());
    blob.extend_from_slice(&salt);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&aad_len.to_le_bytes());
    blob.extend_from_slice(&data_len.to_le_bytes());
    blob.extend_from_slice(aad);
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: data,
                aad: &blob,
            },
        )
        .map_err(|_| Error::new(ErrorCode::Unexpected, "encryption failed"))?;
    blob.extend_from_slice(&ciphertext);
    Ok(blob)
}

/// Opens a blob made by [`seal`] with the same enclave identity.
/// The lengths a blob's header announces, `(data_len, aad_len)`, checked
/// against the blob's size but not authenticated (for sizing buffers before
/// [`unseal`], which authenticates them).
pub fn sealed_lengths(blob: &[u8]) -> Result<(usize, usize), Error> {
    let malformed = |m: &str| Error::new(ErrorCode::BadFormat, format!("sealed blob: {m}"));
    if blob.get(..6) != Some(MAGIC.as_slice()) {
        return Err(malformed("not a sealed blob"));
    }
    let word = |at: usize| {
        blob.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| malformed("shorter than its header"))
    };
    // aad_len and data_len are the header's last two words.
    let (aad_len, data_len) = (
        word(HEADER_LEN - 8)? as usize,
        word(HEADER_LEN - 4)? as usize,
    );
    if sealed_size(data_len, aad_len) != Some(blob.len()) {
        return Err(malformed("lengths do not match the blob size"));
    }
    Ok((data_len, aad_len))
}

pub fn unseal(blob: &[u8]) -> Result<Unsealed, Error> {
    let malformed = |m: &str| Error::new(ErrorCode::BadFormat, format!("sealed blob: {m}"));
    let header = blob
        .get(..HEADER_LEN)
        .ok_or_else(|| malformed("shorter than its header"))?;
    let (magic, rest) = header.split_at(6);
    if magic != MAGIC {
        return Err(malformed("not a sealed blob"));
    }
    let [version, policy, ref rest @ ..] = *rest else {
        return Err(malformed("header"));
    };
    if version != VERSION {
        return Err(malformed("unsupported version"));
    }
    let policy = SealPolicy::from_u8(policy).ok_or_else(|| malformed("unknown policy"))?;
    let (svn, rest) = rest.split_at(2);
    let svn = u16::from_le_bytes(svn.try_into().map_err(|_| malformed("svn"))?);
    let (salt, rest) = rest.split_at(32);
    let (nonce, rest) = rest.split_at(12);
    let (aad_len, data_len) = rest.split_at(4);
    let word = |b: &[u8]| {
        b.try_into()
            .map(u32::from_le_bytes)
            .map_err(|_| malformed("lengths"))
    };
    let (aad_len, data_len) = (word(aad_len)? as usize, word(data_len)? as usize);
    if sealed_size(data_len, aad_len) != Some(blob.len()) {
        return Err(malformed("lengths do not match the blob size"));
    }
    let (authenticated, ciphertext) = blob.split_at(HEADER_LEN + aad_len);
    let salt: [u8; 32] = salt.try_into().map_err(|_| malformed("salt"))?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| malformed("nonce"))?;
    let data = cipher(Context::get()?, policy, &salt, KeyVersion::At(svn))?
        .0
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: authenticated,
            },
        )
        .map_err(|_| {
            Error::new(
                ErrorCode::MacInvalid,
                "sealed blob does not authenticate: sealed by another enclave identity, or altered",
            )
        })?;
    Ok(Unsealed {
        data,
        aad: authenticated[HEADER_LEN..].to_vec(),
    })
}
