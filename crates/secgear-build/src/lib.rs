//! Builds an enclave crate from a host crate's `build.rs`, in the style of
//! `risc0-build`, so `cargo run` of the host just works:
//!
//! ```no_run
//! // build.rs of the host crate
//! secgear_build::EnclaveBuild::new("../enclave").build().expect("enclave");
//! ```
//! ```ignore
//! // src/main.rs: ENCLAVE_IMAGE (path of the signed image),
//! // ENCLAVE_MEASUREMENT ([u8; 32]), ENCLAVE_SIGNER ([u8; 32])
//! secgear_host::include_enclave_image!();
//! ```
//!
//! The enclave is compiled with the host's profile into its own target
//! directory (`<target>/secgear-enclaves`, so the two cargo processes do not
//! contend for one lock), then signed with `enclave.toml` from the enclave
//! crate and a key: `$SECGEAR_SIGNING_KEY`, or a development key created
//! once under the target directory.
//!
//! Enclave images are built without debug info unless
//! `CARGO_PROFILE_<PROFILE>_DEBUG` says otherwise: it was nine tenths of an
//! image, and every enclave creation reads, measures and copies the whole image.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the signing key (PKCS#8 PEM, P-384).
pub const SIGNING_KEY_ENV: &str = "SECGEAR_SIGNING_KEY";
/// The generated file `include_enclave_image!` includes.
pub const IMAGE_CONSTANTS_FILE: &str = "secgear_enclave_image.rs";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{0} is not set: call from a build script")]
    Env(&'static str),
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("`cargo build` of the enclave crate {0} failed")]
    Cargo(PathBuf),
    #[error("cannot run cargo: {0}")]
    Spawn(std::io::Error),
    #[error(transparent)]
    Config(#[from] secgear_sign::ConfigError),
    #[error(transparent)]
    Key(#[from] secgear_sign::KeyError),
    #[error(transparent)]
    Sign(#[from] secgear_sign::SignError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuiltEnclave {
    pub image: PathBuf,
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
}

/// An enclave crate to build and sign.
#[derive(Debug, Clone)]
pub struct EnclaveBuild {
    crate_dir: PathBuf,
    key: Option<PathBuf>,
    watch: Vec<PathBuf>,
    bin: Option<String>,
}

impl EnclaveBuild {
    /// `crate_dir` is relative to the host crate's manifest directory.
    pub fn new(crate_dir: impl Into<PathBuf>) -> Self {
        Self {
            crate_dir: crate_dir.into(),
            key: None,
            watch: Vec::new(),
            bin: None,
        }
    }

    /// Signs this binary of the crate instead of the one named after the
    /// package (for a crate with several enclave binaries). The image
    /// constants `include_enclave_image!` reads are written for the last
    /// build a script runs.
    pub fn bin(mut self, name: impl Into<String>) -> Self {
        self.bin = Some(name.into());
        self
    }

    /// Signs with this key instead of `$SECGEAR_SIGNING_KEY` or the development key.
    pub fn key(mut self, path: impl Into<PathBuf>) -> Self {
        self.key = Some(path.into());
        self
    }

    /// Rebuilds when anything under `path` changes (e.g. runtime crates the
    /// enclave depends on by path).
    pub fn watch(mut self, path: impl Into<PathBuf>) -> Self {
        self.watch.push(path.into());
        self
    }

    pub fn build(&self) -> Result<BuiltEnclave, BuildError> {
        let manifest_dir = env_path("CARGO_MANIFEST_DIR")?;
        let out_dir = env_path("OUT_DIR")?;
        let crate_dir = manifest_dir.join(&self.crate_dir);
        let manifest = crate_dir.join("Cargo.toml");
        let name = match &self.bin {
            Some(bin) => bin.clone(),
            None => package_name(&manifest)?,
        };
        for path in std::iter::once(&crate_dir).chain(&self.watch) {
            println!(
                "cargo:rerun-if-changed={}",
                manifest_dir.join(path).display()
            );
        }
        println!("cargo:rerun-if-env-changed={SIGNING_KEY_ENV}");
        let target_root = target_dir(&out_dir);
        let enclave_target = target_root.join("secgear-enclaves");
        let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
        let debug_info_env = if release {
            "CARGO_PROFILE_RELEASE_DEBUG"
        } else {
            "CARGO_PROFILE_DEV_DEBUG"
        };
        println!("cargo:rerun-if-env-changed={debug_info_env}");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&enclave_target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            // Under `cargo clippy` the outer build wraps rustc; the enclave
            // must still be compiled for real (clippy lints it as a member).
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("CLIPPY_ARGS");
        if std::env::var_os(debug_info_env).is_none() {
            // Without debug info cargo also strips what std brings.
            command.env(debug_info_env, "false");
        }
        if release {
            command.arg("--release");
        }
        let status = command.status().map_err(BuildError::Spawn)?;
        if !status.success() {
            return Err(BuildError::Cargo(crate_dir));
        }
        let executable_path = enclave_target
            .join(if release { "release" } else { "debug" })
            .join(&name);
        let executable = std::fs::read(&executable_path).map_err(|e| BuildError::Read {
            path: executable_path.clone(),
            message: e.to_string(),
        })?;
        let config = secgear_sign::Config::load(&crate_dir.join("enclave.toml"))?;
        let key = match self
            .key
            .clone()
            .or_else(|| std::env::var_os(SIGNING_KEY_ENV).map(PathBuf::from))
        {
            Some(path) => secgear_sign::load_key(&path)?,
            None => development_key(&target_root)?,
        };
        let signed = secgear_sign::sign(&executable, &config, &key)?;
        let image = out_dir.join(format!("{name}.signed"));
        write_atomically(&image, &signed)?;
        let measurement = secgear_sign::measure(&executable, &config);
        let signer_id = secgear_sign::signer_id(key.verifying_key());
        let constants = format!(
            "/// The signed enclave image `secgear-build` produced.\n\
             pub const ENCLAVE_IMAGE: &str = {image:?};\n\
             /// Its measurement, for `EnclaveBuilder::expect_measurement` and attestation.\n\
             pub const ENCLAVE_MEASUREMENT: [u8; 32] = {measurement:?};\n\
             /// The measurement in hex.\n\
             pub const ENCLAVE_MEASUREMENT_HEX: &str = {hex:?};\n\
             /// The id of the key that signed it.\n\
             pub const ENCLAVE_SIGNER: [u8; 32] = {signer_id:?};\n",
            image = image.display().to_string(),
            hex = hex::encode(measurement),
        );
        write_atomically(&out_dir.join(IMAGE_CONSTANTS_FILE), constants.as_bytes())?;
        Ok(BuiltEnclave {
            image,
            measurement,
            signer_id,
        })
    }
}

fn env_path(var: &'static str) -> Result<PathBuf, BuildError> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .ok_or(BuildError::Env(var))
}

fn package_name(manifest: &Path) -> Result<String, BuildError> {
    let read_err = |message: String| BuildError::Read {
        path: manifest.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(manifest).map_err(|e| read_err(e.to_string()))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| read_err(e.to_string()))?;
    doc.get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .ok_or_else(|| read_err("no [package] name".into()))
}

/// The cargo target directory: `OUT_DIR` is `<target>/<profile>/build/<pkg>/out`.
fn target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .nth(4)
        .map_or_else(|| out_dir.join("secgear"), Path::to_path_buf)
}

/// A development key kept under the target directory, created on first use.
fn development_key(target: &Path) -> Result<p384::ecdsa::SigningKey, BuildError> {
    let path = target.join("secgear-dev-signing-key.pem");
    if !path.exists() {
        let key = secgear_sign::generate_key()?;
        if let Err(e) = secgear_sign::save_key(&key, &path)
            && !path.exists()
        {
            return Err(e.into());
        }
        println!(
            "cargo:warning=signed the enclave with a development key created at {}",
            path.display()
        );
    }
    Ok(secgear_sign::load_key(&path)?)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| BuildError::Write {
            path: path.to_path_buf(),
            source: e,
        })
}
