//! The signed image format (see the crate docs).

use crate::config::{self, Config};
use crate::keys::signer_id;
use p384::ecdsa::signature::{Signer, Verifier};
use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"SGSIG001";
const TRAILER_LEN: usize = 12;
const BLOCK_VERSION: u8 = 1;
const MEASUREMENT_DOMAIN: &[u8] = b"secgear-measurement-v1\0";
const SIGNATURE_DOMAIN: &[u8] = b"secgear-signature-v1\0";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the image is not signed (no secgear signature trailer)")]
    Unsigned,
    #[error("the image is already signed; sign the unsigned executable")]
    AlreadySigned,
    #[error("the signature block is malformed: {0}")]
    Malformed(String),
    #[error(
        "the image was modified after signing (measurement {actual} does not match the signed {signed})"
    )]
    Tampered { signed: String, actual: String },
    #[error("the signature does not verify with the key in the image")]
    BadSignature,
}

/// An image whose signature and measurement checked out.
#[derive(Debug, Clone)]
pub struct SignedImage {
    /// The executable, without signature block and trailer.
    pub executable: Vec<u8>,
    pub config: Config,
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
    pub public_key: VerifyingKey,
}

/// The measurement of an executable run with `config`.
pub fn measure(executable: &[u8], config: &Config) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(MEASUREMENT_DOMAIN);
    h.update((executable.len() as u64).to_le_bytes());
    h.update(executable);
    h.update(config.encode());
    h.finalize().into()
}

fn trailer(bytes: &[u8]) -> Option<usize> {
    let (rest, tail) = bytes.split_at_checked(bytes.len().checked_sub(TRAILER_LEN)?)?;
    let (len, magic) = tail.split_at(4);
    if magic != MAGIC {
        return None;
    }
    let block_len = u32::from_le_bytes(len.try_into().ok()?) as usize;
    (block_len <= rest.len()).then_some(block_len)
}

/// Appends a signature block to an unsigned executable.
pub fn sign(executable: &[u8], config: &Config, key: &SigningKey) -> Result<Vec<u8>, SignError> {
    if executable.ends_with(MAGIC) {
        return Err(SignError::AlreadySigned);
    }
    let measurement = measure(executable, config);
    let signature: Signature = key.sign(&[SIGNATURE_DOMAIN, &measurement].concat());
    let public = key.verifying_key().to_sec1_bytes();
    let sig = signature.to_bytes();
    let mut block = vec![BLOCK_VERSION];
    block.extend_from_slice(&config.encode());
    block.extend_from_slice(&measurement);
    block.extend_from_slice(&(public.len() as u16).to_le_bytes());
    block.extend_from_slice(&public);
    block.extend_from_slice(&(sig.len() as u16).to_le_bytes());
    block.extend_from_slice(&sig);
    let mut out = Vec::with_capacity(executable.len() + block.len() + TRAILER_LEN);
    out.extend_from_slice(executable);
    out.extend_from_slice(&block);
    out.extend_from_slice(&(block.len() as u32).to_le_bytes());
    out.extend_from_slice(MAGIC);
    Ok(out)
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], SignError> {
        let (head, tail) = self
            .0
            .split_at_checked(n)
            .ok_or_else(|| SignError::Malformed(format!("truncated {what}")))?;
        self.0 = tail;
        Ok(head)
    }

    fn sized(&mut self, what: &str) -> Result<&'a [u8], SignError> {
        let len = self.take(2, what)?;
        let len = u16::from_le_bytes([len[0], len[1]]) as usize;
        self.take(len, what)
    }
}

/// Checks a signed image: structure, measurement, signature.
pub fn verify(bytes: &[u8]) -> Result<SignedImage, SignError> {
    let block_len = trailer(bytes).ok_or(SignError::Unsigned)?;
    let body_end = bytes.len() - TRAILER_LEN;
    let exe_end = body_end - block_len;
    let (executable, block) = (&bytes[..exe_end], &bytes[exe_end..body_end]);
    let mut c = Cursor(block);
    if c.take(1, "version")? != [BLOCK_VERSION] {
        return Err(SignError::Malformed(
            "unknown signature block version".into(),
        ));
    }
    let encoded: &[u8; config::ENCODED_LEN] = c
        .take(config::ENCODED_LEN, "config")?
        .try_into()
        .map_err(|_| SignError::Malformed("config".into()))?;
    let config = Config::decode(encoded).map_err(|e| SignError::Malformed(e.to_string()))?;
    let signed: [u8; 32] = c
        .take(32, "measurement")?
        .try_into()
        .map_err(|_| SignError::Malformed("measurement".into()))?;
    let public = VerifyingKey::from_sec1_bytes(c.sized("public key")?)
        .map_err(|_| SignError::Malformed("public key is not a P-384 point".into()))?;
    let signature = Signature::from_slice(c.sized("signature")?)
        .map_err(|_| SignError::Malformed("signature encoding".into()))?;
    if !c.0.is_empty() {
        return Err(SignError::Malformed(
            "trailing bytes in the signature block".into(),
        ));
    }
    let actual = measure(executable, &config);
    if actual != signed {
        return Err(SignError::Tampered {
            signed: hex::encode(signed),
            actual: hex::encode(actual),
        });
    }
    public
        .verify(&[SIGNATURE_DOMAIN, &signed].concat(), &signature)
        .map_err(|_| SignError::BadSignature)?;
    Ok(SignedImage {
        executable: executable.to_vec(),
        config,
        measurement: signed,
        signer_id: signer_id(&public),
        public_key: public,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config() -> Config {
        Config {
            product_id: 1,
            security_version: 2,
            debug: true,
            threads: 2,
            heap_limit: 64 << 20,
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_slice(&[3u8; 48]).expect("key")
    }

    #[test]
    fn sign_then_verify() {
        let exe = b"\x7fELF pretend executable".to_vec();
        let signed = sign(&exe, &config(), &key()).expect("sign");
        let v = verify(&signed).expect("verify");
        assert_eq!(v.executable, exe);
        assert_eq!(v.config, config());
        assert_eq!(v.measurement, measure(&exe, &config()));
        assert_eq!(v.signer_id, signer_id(key().verifying_key()));
        assert_eq!(
            sign(&signed, &config(), &key()),
            Err(SignError::AlreadySigned)
        );
        assert_eq!(verify(&exe).err(), Some(SignError::Unsigned));
    }

    #[test]
    fn config_changes_the_measurement() {
        let mut other = config();
        other.threads = 3;
        assert_ne!(measure(b"x", &config()), measure(b"x", &other));
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let signed = sign(b"some executable bytes", &config(), &key()).expect("sign");
        for i in 0..signed.len() {
            let mut bad = signed.clone();
            bad[i] ^= 0x40;
            assert!(verify(&bad).is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn a_resigned_image_carries_the_new_signer() {
        let exe = b"exe";
        let mut signed = sign(exe, &config(), &key()).expect("sign");
        // Swap in a block made with another key: valid, but a different signer.
        let other = SigningKey::from_slice(&[4u8; 48]).expect("key");
        let resigned = sign(exe, &config(), &other).expect("sign");
        assert_ne!(
            verify(&resigned).expect("ok").signer_id,
            verify(&signed).expect("ok").signer_id
        );
        // Changing the embedded measurement breaks the signature or the measurement check.
        let at = exe.len() + 1 + config::ENCODED_LEN;
        signed[at] ^= 1;
        assert!(matches!(verify(&signed), Err(SignError::Tampered { .. })));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), tail in any::<bool>()) {
            let mut b = bytes;
            if tail {
                b.extend_from_slice(&(b.len() as u32 / 2).to_le_bytes());
                b.extend_from_slice(MAGIC);
            }
            let _ = verify(&b);
        }
    }
}
