//! `build.rs` integration, in the style of `tonic-build`.

use crate::codegen::{GenOptions, Side};
use crate::load::Options;
use crate::preprocess::Define;
use std::path::{Path, PathBuf};

/// Generates Rust from an EDL file into `OUT_DIR`, to be included with
/// `secgear_abi::include_host!` / `include_enclave!`.
///
/// ```no_run
/// // build.rs of a host crate
/// secgear_edl::Builder::new("../hello.edl").host().expect("EDL");
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    edl: PathBuf,
    options: Options,
    gen_options: GenOptions,
    out_dir: Option<PathBuf>,
}

impl Builder {
    pub fn new(edl: impl Into<PathBuf>) -> Self {
        Self {
            edl: edl.into(),
            options: Options::default(),
            gen_options: GenOptions::default(),
            out_dir: None,
        }
    }

    /// Adds a directory to search for imported EDL files (after the EDL's own).
    pub fn search_path(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.search_paths.push(dir.into());
        self
    }

    /// Defines a preprocessor macro, like `-D NAME[=VALUE]`.
    pub fn define(mut self, name: &str, value: Option<&str>) -> Self {
        self.options.defines.push(Define {
            name: name.into(),
            value: value.map(Into::into),
        });
        self
    }

    /// The path under which generated code reaches `secgear-abi`
    /// (default `::secgear_abi`), for crates that re-export it.
    pub fn abi_crate(mut self, path: &str) -> Self {
        self.gen_options.abi_crate = path.into();
        self
    }

    /// Writes somewhere other than `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Generates `<stem>_host.rs`; returns its path.
    pub fn host(&self) -> Result<PathBuf, BuildError> {
        self.generate(Side::Host)
    }

    /// Generates `<stem>_enclave.rs`; returns its path.
    pub fn enclave(&self) -> Result<PathBuf, BuildError> {
        self.generate(Side::Enclave)
    }

    fn generate(&self, side: Side) -> Result<PathBuf, BuildError> {
        let compiled =
            crate::compile_file(&self.edl, &self.options).map_err(|e| BuildError::Read {
                path: self.edl.clone(),
                source: e,
            })?;
        // Cargo reruns the build script when any EDL read changes.
        for path in compiled.sources.paths() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if compiled.has_errors() {
            return Err(BuildError::Invalid(compiled.render_diagnostics()));
        }
        for w in compiled.diagnostics.warnings() {
            let line = crate::diag::Diagnostics::from_iter([w.clone()]).render(&compiled.sources);
            if let Some(first) = line.lines().next() {
                println!("cargo:warning={first}");
            }
        }
        let mut options = self.gen_options.clone();
        options.source_name = self
            .edl
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let code = compiled
            .generate(side, &options)
            .map_err(BuildError::Invalid)?;
        let dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let stem = self
            .edl
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "edl".into());
        let suffix = match side {
            Side::Host => "host",
            Side::Enclave => "enclave",
        };
        let path = dir.join(format!("{stem}_{suffix}.rs"));
        write_atomically(&path, code.as_bytes()).map_err(|e| BuildError::Write {
            path: path.clone(),
            source: e,
        })?;
        Ok(path)
    }
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid EDL:\n{0}")]
    Invalid(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("OUT_DIR is not set: call from a build script or set Builder::out_dir")]
    NoOutDir,
}
