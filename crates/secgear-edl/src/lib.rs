//! The EDL (enclave description language) toolchain of secGear-rs.
//!
//! EDL declares the functions that cross an enclave boundary: ECALLs in a
//! `trusted` block (host → enclave) and OCALLs in an `untrusted` block
//! (enclave → host), with attributes that say how each pointer's data moves.
//! This crate reads the dialects of secGear, Intel edger8r and Open Enclave,
//! checks them, and generates typed Rust, or C byte-compatible with it, for
//! both sides of the boundary.
//!
//! ```no_run
//! let compiled = secgear_edl::compile_file("hello.edl".as_ref(), &Default::default())?;
//! if compiled.has_errors() {
//!     eprint!("{}", compiled.render_diagnostics());
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! From a `build.rs`, use [`Builder`].
#![forbid(unsafe_code)]

pub mod ast;
mod builder;
mod check;
pub mod codegen;
pub mod codegen_c;
pub mod diag;
pub mod lexer;
mod load;
pub mod parser;
pub mod preprocess;
pub mod source;

pub use builder::{BuildError, Builder, write_atomically as write_file_atomically};
pub use codegen::{GenOptions, Side};
pub use codegen_c::{CFiles, CGenOptions};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use load::{Options, Program};
pub use preprocess::Define;
pub use source::SourceMap;

use std::path::Path;

/// An EDL file read, resolved and checked.
#[derive(Debug)]
pub struct Compiled {
    pub sources: SourceMap,
    pub program: Program,
    pub diagnostics: Diagnostics,
}

/// Counts for the one-line summary of `secgear edl check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub trusted: usize,
    pub switchless: usize,
    pub untrusted: usize,
    pub types: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} trusted ({} switchless), {} untrusted functions, {} types",
            self.trusted, self.switchless, self.untrusted, self.types
        )
    }
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    pub fn render_diagnostics(&self) -> String {
        self.diagnostics.render(&self.sources)
    }

    pub fn summary(&self) -> Summary {
        let p = &self.program;
        Summary {
            trusted: p.ecalls.len(),
            switchless: p.ecalls.iter().filter(|f| f.switchless).count(),
            untrusted: p.ocalls.len(),
            types: p.types.len(),
        }
    }

    /// Generates Rust for one side; refuses a program that has errors.
    pub fn generate(&self, side: Side, options: &GenOptions) -> Result<String, String> {
        if self.has_errors() {
            return Err(self.render_diagnostics());
        }
        codegen::generate(&self.program, side, options)
    }

    /// Generates C for one side (`X_u.h`/`X_u.c` or `X_t.h`/`X_t.c`),
    /// byte-compatible with the Rust bindings; refuses a program that has
    /// errors.
    pub fn generate_c(&self, side: Side, options: &CGenOptions) -> Result<CFiles, String> {
        if self.has_errors() {
            return Err(self.render_diagnostics());
        }
        codegen_c::generate(&self.program, side, options)
    }
}

/// Every `.edl` file below `dir`, sorted, for checking a whole tree.
pub fn edl_files_under(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            // `file_type` does not follow links, so a link cycle cannot loop.
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "edl") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads, resolves and checks an EDL file. Only an unreadable root file is an
/// `Err`; everything else is a diagnostic.
pub fn compile_file(path: &Path, options: &Options) -> std::io::Result<Compiled> {
    let bytes = std::fs::read(path)?;
    Ok(compile_str(
        path,
        String::from_utf8_lossy(&bytes).into_owned(),
        options,
    ))
}

/// Like [`compile_file`] for text already in memory; imports are still read
/// from disk relative to `path` and the search paths.
pub fn compile_str(path: &Path, text: String, options: &Options) -> Compiled {
    let mut loader = load::Loader::new(options);
    let mut program = loader.load_root(path, text);
    let mut diagnostics = loader.diags;
    load::resolve_dimensions(&mut program, &mut diagnostics);
    check::check(&program, &mut diagnostics);
    diagnostics.sort();
    Compiled {
        sources: loader.sources,
        program,
        diagnostics,
    }
}
