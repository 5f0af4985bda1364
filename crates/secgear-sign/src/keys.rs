//! Signing keys: ECDSA P-384, stored as PKCS#8 PEM with owner-only access.

use p384::ecdsa::{SigningKey, VerifyingKey};
use p384::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write key {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a PKCS#8 PEM ECDSA P-384 private key")]
    Format { path: String },
    #[error("the operating system's random source failed: {0}")]
    Random(String),
}

/// A new key from the operating system's random source.
pub fn generate_key() -> Result<SigningKey, KeyError> {
    loop {
        let mut seed = zeroize::Zeroizing::new([0u8; 48]);
        getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        // A seed outside the scalar field (probability ~2^-190) is drawn again.
        if let Ok(key) = SigningKey::from_slice(seed.as_ref()) {
            return Ok(key);
        }
    }
}

/// Writes the key readable by its owner only, atomically.
pub fn save_key(key: &SigningKey, path: &Path) -> Result<(), KeyError> {
    let err = |e: std::io::Error| KeyError::Write {
        path: path.display().to_string(),
        source: e,
    };
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| err(std::io::Error::other(e.to_string())))?;
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(err)?;
    let written = file
        .write_all(pem.as_bytes())
        .and_then(|()| file.sync_all());
    drop(file);
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
}

pub fn load_key(path: &Path) -> Result<SigningKey, KeyError> {
    let pem =
        zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| KeyError::Read {
            path: path.display().to_string(),
            source: e,
        })?);
    SigningKey::from_pkcs8_pem(&pem).map_err(|_| KeyError::Format {
        path: path.display().to_string(),
    })
}

/// SHA-256 of the public key's SEC1 uncompressed encoding.
pub fn signer_id(key: &VerifyingKey) -> [u8; 32] {
    Sha256::digest(key.to_sec1_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_keys_load_back_and_are_private() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("k.pem");
        let key = generate_key().expect("key");
        save_key(&key, &path).expect("save");
        assert_eq!(load_key(&path).expect("load").to_bytes(), key.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").expect("write");
        assert!(matches!(load_key(&path), Err(KeyError::Format { .. })));
    }
}
