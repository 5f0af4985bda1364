//! The simulated platform: the secrets a hardware TEE keeps in silicon (an
//! attestation key and a sealing root key), kept here in a per-user state
//! directory with owner-only permissions, and the platform calls enclaves
//! make (reports, sealing keys, logging).

use hkdf::Hkdf;
use p384::ecdsa::{SigningKey, VerifyingKey};
use secgear_abi::{Error, ErrorCode, Reader, Writer};
use secgear_sim::evidence::{self, Claims};
use secgear_sim::platform::{self as calls, SealPolicy, level};
use sha2::Sha256;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Overrides the state directory (tests, containers).
pub const STATE_DIR_ENV: &str = "SECGEAR_SIM_STATE_DIR";
const KEY_FILE: &str = "platform-key.pem";
const ROOT_FILE: &str = "sealing-root.bin";

/// The identity the loader measured for one enclave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
    pub product_id: u16,
    pub svn: u16,
    pub debug: bool,
}

pub struct SimPlatform {
    dir: PathBuf,
    attestation_key: SigningKey,
    sealing_root: Zeroizing<[u8; 32]>,
    platform_id: [u8; 32],
}

impl std::fmt::Debug for SimPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets.
        f.debug_struct("SimPlatform")
            .field("platform_id", &self.platform_id)
            .finish_non_exhaustive()
    }
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::Generic,
        format!("sim platform: {what} {}: {e}", path.display()),
    )
}

/// Creates `path` with `contents` and mode 0600 unless it exists; a
/// concurrent creator wins cleanly (hard links do not replace).
fn create_once(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension(format!(
        "tmp.{}.{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(contents).and_then(|()| f.sync_all()));
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    linked.map_err(|e| io_error("cannot create", path, e))
}

/// Refuses a state directory another user could read or replace: it holds
/// the keys every simulated enclave's sealing and attestation rest on.
fn check_private(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| io_error("cannot inspect", dir, e))?;
    let refuse = |why: String| {
        Err(Error::new(
            ErrorCode::AccessDenied,
            format!(
                "sim platform: refusing state directory {}: {why}",
                dir.display()
            ),
        ))
    };
    if !meta.is_dir() {
        return refuse("not a directory (a symbolic link is not accepted)".into());
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return refuse(format!(
            "owned by uid {}, not by this user ({me})",
            meta.uid()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return refuse(format!(
            "mode {:o} lets others in; it must be 0700 (chmod 700 {})",
            meta.mode() & 0o777,
            dir.display()
        ));
    }
    Ok(())
}

impl SimPlatform {
    /// `$SECGEAR_SIM_STATE_DIR`, else `$XDG_STATE_HOME/secgear-sim`, else
    /// `~/.local/state/secgear-sim`.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os(STATE_DIR_ENV) {
            return PathBuf::from(dir);
        }
        if let Some(state) = std::env::var_os("XDG_STATE_HOME") {
            return PathBuf::from(state).join("secgear-sim");
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        home.join(".local/state/secgear-sim")
    }

    /// Loads the platform secrets from `dir`, creating them on first use.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| io_error("cannot create", dir, e))?;
        check_private(dir)?;
        let key_path = dir.join(KEY_FILE);
        if !key_path.exists() {
            let key = secgear_sign::generate_key()
                .map_err(|e| io_error("cannot generate key for", &key_path, e))?;
            let pem =
                p384::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, p384::pkcs8::LineEnding::LF)
                    .map_err(|e| io_error("cannot encode", &key_path, e))?;
            create_once(&key_path, pem.as_bytes())?;
        }
        let root_path = dir.join(ROOT_FILE);
        if !root_path.exists() {
            let mut root = Zeroizing::new([0u8; 32]);
            getrandom::fill(root.as_mut())
                .map_err(|e| io_error("no randomness for", &root_path, e))?;
            create_once(&root_path, root.as_ref())?;
        }
        let attestation_key =
            secgear_sign::load_key(&key_path).map_err(|e| io_error("cannot load", &key_path, e))?;
        let raw = Zeroizing::new(
            std::fs::read(&root_path).map_err(|e| io_error("cannot read", &root_path, e))?,
        );
        let mut sealing_root = Zeroizing::new([0u8; 32]);
        if raw.len() != 32 {
            return Err(io_error("corrupt", &root_path, "expected 32 bytes"));
        }
        sealing_root.copy_from_slice(&raw);
        let platform_id = evidence::platform_id(attestation_key.verifying_key());
        Ok(Self {
            dir: dir.to_path_buf(),
            attestation_key,
            sealing_root,
            platform_id,
        })
    }

    /// The state directory the secrets are kept in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The platform in the default state directory.
    pub fn open_default() -> Result<Self, Error> {
        Self::open(&Self::default_dir())
    }

    /// The key verifiers trust for this platform's evidence.
    pub fn public_key(&self) -> VerifyingKey {
        *self.attestation_key.verifying_key()
    }

    pub fn platform_id(&self) -> [u8; 32] {
        self.platform_id
    }

    pub(crate) fn report(&self, identity: &Identity, report_data: [u8; 64]) -> Vec<u8> {
        let issued_at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = Claims {
            measurement: identity.measurement,
            signer_id: identity.signer_id,
            product_id: identity.product_id,
            svn: identity.svn,
            debug: identity.debug,
            report_data,
            platform_id: self.platform_id,
            issued_at,
        };
        evidence::sign(&claims, &self.attestation_key)
    }

    /// The sealing key for `identity`; for the signer policy, for security
    /// version `svn` (never above the enclave's own, so a vulnerable older
    /// version cannot read what its successors sealed).
    pub(crate) fn seal_key(
        &self,
        identity: &Identity,
        policy: SealPolicy,
        salt: &[u8; 32],
        svn: u16,
    ) -> Result<Zeroizing<[u8; 32]>, Error> {
        let mut info = b"secgear-seal-v1".to_vec();
        info.push(policy as u8);
        match policy {
            SealPolicy::Measurement => info.extend_from_slice(&identity.measurement),
            SealPolicy::Signer => {
                if svn > identity.svn {
                    return Err(Error::new(
                        ErrorCode::AccessDenied,
                        format!(
                            "security version {svn} is above this enclave's {}",
                            identity.svn
                        ),
                    ));
                }
                info.extend_from_slice(&identity.signer_id);
                info.extend_from_slice(&identity.product_id.to_le_bytes());
                info.extend_from_slice(&svn.to_le_bytes());
            }
        }
        // Debug and production enclaves never share keys.
        info.push(u8::from(identity.debug));
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's output limit, so expand cannot fail.
        let _ =
            Hkdf::<Sha256>::new(Some(salt), self.sealing_root.as_ref()).expand(&info, key.as_mut());
        Ok(key)
    }

    /// Serves one platform call from an enclave.
    pub(crate) fn handle(&self, request: &[u8], identity: &Identity) -> Vec<u8> {
        self.serve(request, identity)
            .unwrap_or_else(|e| Writer::error_reply(&e))
    }

    fn serve(&self, request: &[u8], identity: &Identity) -> Result<Vec<u8>, Error> {
        let (header, mut r) = Reader::request(request)?;
        let mut w = Writer::reply();
        match header.function_id {
            calls::LOG => {
                let lvl: u8 = r.get()?;
                let target = String::from_utf8_lossy(&r.get_vec::<u8>()?).into_owned();
                let message = String::from_utf8_lossy(&r.get_vec::<u8>()?).into_owned();
                r.finish()?;
                log(lvl, &target, &message);
            }
            calls::REPORT => {
                let report_data: [u8; 64] = r.get()?;
                r.finish()?;
                w.put_slice(&self.report(identity, report_data));
            }
            calls::SEAL_KEY => {
                let policy: u8 = r.get()?;
                let salt: [u8; 32] = r.get()?;
                let svn: u16 = r.get()?;
                r.finish()?;
                let policy = SealPolicy::from_u8(policy)
                    .ok_or_else(|| Error::bad_parameters("unknown seal policy"))?;
                let svn = if svn == calls::CURRENT_SVN {
                    identity.svn
                } else {
                    svn
                };
                w.put(&*self.seal_key(identity, policy, &salt, svn)?);
                w.put(&svn);
            }
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidCmd,
                    format!("unknown platform call {other}"),
                ));
            }
        }
        Ok(w.finish())
    }
}

fn log(lvl: u8, target: &str, message: &str) {
    match lvl {
        level::ERROR => tracing::error!(target: "secgear::enclave", module = target, "{message}"),
        level::WARN => tracing::warn!(target: "secgear::enclave", module = target, "{message}"),
        level::INFO => tracing::info!(target: "secgear::enclave", module = target, "{message}"),
        level::DEBUG => tracing::debug!(target: "secgear::enclave", module = target, "{message}"),
        _ => tracing::trace!(target: "secgear::enclave", module = target, "{message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            measurement: [1; 32],
            signer_id: [2; 32],
            product_id: 3,
            svn: 4,
            debug: false,
        }
    }

    #[test]
    fn a_state_directory_others_can_enter_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        for mode in [0o750, 0o705, 0o777] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode))
                .expect("chmod");
            let refused = SimPlatform::open(dir.path()).expect_err("refused");
            assert_eq!(refused.kind(), ErrorCode::AccessDenied);
            assert!(refused.to_string().contains("0700"), "{refused}");
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        assert!(SimPlatform::open(dir.path()).is_ok());
        // A symbolic link to a private directory is refused too: whoever
        // owns the link's directory could point it elsewhere.
        let link = dir.path().join("link");
        let target = dir.path().join("target");
        std::fs::create_dir(&target).expect("mkdir");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(SimPlatform::open(&link).is_err());
    }

    #[test]
    fn secrets_persist_with_owner_only_permissions() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        let a = SimPlatform::open(&dir).expect("create");
        let b = SimPlatform::open(&dir).expect("reopen");
        assert_eq!(a.platform_id(), b.platform_id());
        for f in [KEY_FILE, ROOT_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(f))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
        let salt = [9; 32];
        assert_eq!(
            *a.seal_key(&identity(), SealPolicy::Measurement, &salt, 0)
                .expect("key"),
            *b.seal_key(&identity(), SealPolicy::Measurement, &salt, 0)
                .expect("key")
        );
    }

    #[test]
    fn seal_keys_separate_identities_policies_and_modes() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        let p = SimPlatform::open(&dir).expect("create");
        let salt = [9; 32];
        let base = p
            .seal_key(&identity(), SealPolicy::Measurement, &salt, 0)
            .expect("key");
        let other_measurement = Identity {
            measurement: [7; 32],
            ..identity()
        };
        let debug = Identity {
            debug: true,
            ..identity()
        };
        assert_ne!(
            *base,
            *p.seal_key(&other_measurement, SealPolicy::Measurement, &salt, 0)
                .expect("key")
        );
        assert_ne!(
            *base,
            *p.seal_key(&debug, SealPolicy::Measurement, &salt, 0)
                .expect("key")
        );
        assert_ne!(
            *base,
            *p.seal_key(&identity(), SealPolicy::Signer, &salt, 4)
                .expect("key")
        );
        // Signer policy: a new measurement with the same signer and product shares the key.
        assert_eq!(
            *p.seal_key(&identity(), SealPolicy::Signer, &salt, 4)
                .expect("key"),
            *p.seal_key(&other_measurement, SealPolicy::Signer, &salt, 4)
                .expect("key")
        );
    }

    #[test]
    fn signer_keys_follow_the_security_version_downward_only() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        let p = SimPlatform::open(&dir).expect("create");
        let salt = [1; 32];
        let v3 = Identity {
            svn: 3,
            ..identity()
        };
        let v4 = Identity {
            svn: 4,
            ..identity()
        };
        let sealed_by_v3 = p
            .seal_key(&v3, SealPolicy::Signer, &salt, 3)
            .expect("own version");
        assert_eq!(
            *p.seal_key(&v4, SealPolicy::Signer, &salt, 3)
                .expect("older version"),
            *sealed_by_v3
        );
        assert!(
            p.seal_key(&v3, SealPolicy::Signer, &salt, 4).is_err(),
            "a newer version's key is refused"
        );
        assert_ne!(
            *p.seal_key(&v4, SealPolicy::Signer, &salt, 4).expect("own"),
            *sealed_by_v3
        );
    }

    #[test]
    fn reports_verify_against_the_platform_key() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        let p = SimPlatform::open(&dir).expect("create");
        let ev = p.report(&identity(), [5; 64]);
        let parsed = evidence::parse(&ev).expect("parse");
        parsed.verify(&p.public_key()).expect("verify");
        assert_eq!(parsed.claims.measurement, [1; 32]);
        assert_eq!(parsed.claims.report_data, [5; 64]);
    }
}
