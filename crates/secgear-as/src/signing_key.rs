//! Where the token-signing key lives: a PKCS#8 file of the operator's, or
//! one the service generates once, created with mode 0600 and written
//! atomically. Never in the database: a dump or a read replica must not
//! yield the key that vouches for every token. A key an older version kept
//! in the database moves to the file at the first start and is deleted there.

use crate::store::Store;
use secgear_attest::token::{TokenError, TokenSigner};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Why the token-signing key cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error(
        "signing_key_file must be set for a database that is not a local SQLite file: \
         every instance on that database signs with the key it names"
    )]
    FileRequired,
    #[error("signing key {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("signing key {} is owned by uid {owner}, not by this user ({me})", path.display())]
    Owner { path: PathBuf, owner: u32, me: u32 },
    #[error("signing key {} has mode {mode:o}: others may read it; chmod 600 it", path.display())]
    Readable { path: PathBuf, mode: u32 },
    #[error("signing key {}: {source}", path.display())]
    Unusable {
        path: PathBuf,
        #[source]
        source: TokenError,
    },
    /// The key of an in-memory database (generated, or the database's legacy one).
    #[error("in-memory signing key: {0}")]
    InMemory(#[source] TokenError),
    #[error("cannot generate a signing key")]
    Generate,
    #[error("signing key in the database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Where the key is kept for `config`: the configured file, else a file
/// beside a SQLite database; `None` for an in-memory database (the key lives
/// as long as the data).
pub fn key_path(config: &crate::Config) -> Result<Option<PathBuf>, SigningKeyError> {
    if let Some(path) = &config.signing_key_file {
        return Ok(Some(path.clone()));
    }
    let url = config.database_url.as_str();
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Err(SigningKeyError::FileRequired);
    };
    let file = rest.trim_start_matches("//");
    let file = file.split('?').next().unwrap_or_default();
    if file.is_empty() || file.contains(":memory:") {
        return Ok(None);
    }
    Ok(Some(PathBuf::from(format!("{file}.signing-key.pem"))))
}

/// The signer for `config`: from its key file (created if absent), with the
/// database's legacy copy moved out: written to the file and read back
/// before it is deleted, so a failure on the way loses nothing.
pub async fn load(
    config: &crate::Config,
    store: &dyn Store,
) -> Result<TokenSigner, SigningKeyError> {
    let legacy = store.legacy_signing_key().await?.map(Zeroizing::new);
    let Some(path) = key_path(config)? else {
        tracing::info!(target: "secgear::as", "in-memory database: the token-signing key lives in memory only");
        let pem = match legacy {
            Some(pem) => pem,
            None => Zeroizing::new(generate_p256_pem()?),
        };
        return TokenSigner::from_pkcs8_pem(pem.as_bytes()).map_err(SigningKeyError::InMemory);
    };
    if !path.exists() {
        let pem = match &legacy {
            Some(pem) => {
                tracing::info!(target: "secgear::as", path = %path.display(), "moving the token-signing key out of the database");
                pem.clone()
            }
            None => Zeroizing::new(generate_p256_pem()?),
        };
        create_private(&path, pem.as_bytes())?;
    }
    let pem = read_private(&path)?;
    let signer = TokenSigner::from_pkcs8_pem(&pem).map_err(|source| SigningKeyError::Unusable {
        path: path.clone(),
        source,
    })?;
    if let Some(old) = legacy {
        if old.as_bytes() != pem.as_slice() {
            tracing::warn!(target: "secgear::as", path = %path.display(), "the database held another token-signing key than the key file; the file's key is used and the database's deleted");
        }
        store.forget_legacy_signing_key().await?;
    }
    Ok(signer)
}

/// Reads a key file, refusing a symbolic link, a file another user owns,
/// and one others may read or write; checked on the opened file itself.
fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>, SigningKeyError> {
    use std::io::Read as _;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let fail = |source: std::io::Error| SigningKeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(SigningKeyError::Owner {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    if meta.mode() & 0o077 != 0 {
        return Err(SigningKeyError::Readable {
            path: path.to_path_buf(),
            mode: meta.mode() & 0o777,
        });
    }
    let mut pem = Zeroizing::new(Vec::new());
    file.read_to_end(&mut pem).map_err(fail)?;
    Ok(pem)
}

/// Creates `path` holding `contents`, mode 0600 from its creation, whole or
/// not at all; if another instance created it meanwhile, theirs stays.
fn create_private(path: &Path, contents: &[u8]) -> Result<(), SigningKeyError> {
    let fail = |source: std::io::Error| SigningKeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()));
    // A hard link never replaces: the first instance's key wins.
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(fail)?;
    tracing::info!(target: "secgear::as", path = %path.display(), "generated a token-signing key");
    Ok(())
}

fn generate_p256_pem() -> Result<String, SigningKeyError> {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| SigningKeyError::Generate)?;
    let body = zeroize::Zeroizing::new(crate::b64::encode_std(doc.as_ref()));
    let mut pem = String::with_capacity(body.len() + 80);
    pem.push_str("-----BEGIN PRIVATE KEY-----\n");
    // Base64 is ASCII: each byte is its own character.
    for line in body.as_bytes().chunks(64) {
        pem.extend(line.iter().map(|&b| char::from(b)));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, file: Option<&str>) -> crate::Config {
        crate::Config {
            database_url: url.into(),
            signing_key_file: file.map(PathBuf::from),
            ..crate::Config::default()
        }
    }

    #[test]
    fn the_key_file_follows_the_configuration_or_the_database() {
        assert_eq!(
            key_path(&config("postgres://db", Some("/k.pem"))).expect("path"),
            Some(PathBuf::from("/k.pem"))
        );
        assert_eq!(
            key_path(&config("sqlite:///var/lib/as/as.db?mode=rwc", None)).expect("path"),
            Some(PathBuf::from("/var/lib/as/as.db.signing-key.pem"))
        );
        assert_eq!(
            key_path(&config("sqlite://as.db", None)).expect("path"),
            Some(PathBuf::from("as.db.signing-key.pem"))
        );
        assert_eq!(
            key_path(&config("sqlite::memory:", None)).expect("path"),
            None
        );
        assert!(matches!(
            key_path(&config("postgres://db", None)),
            Err(SigningKeyError::FileRequired)
        ));
    }

    #[test]
    fn a_created_key_file_is_private_and_never_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("key.pem");
        create_private(&path, b"first").expect("create");
        create_private(&path, b"second").expect("the first stays");
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            1,
            "no temporary left"
        );
        for open in [0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(open)).expect("chmod");
            let refused = read_private(&path).expect_err("readable by others");
            assert!(
                matches!(&refused, SigningKeyError::Readable { mode, .. } if *mode == open),
                "{refused}"
            );
            assert!(refused.to_string().contains("chmod 600"), "{refused}");
        }
    }
}
