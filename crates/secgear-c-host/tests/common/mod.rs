//! Building C host programs against libsecgear.so, for the tests and the
//! C-vs-Rust benchmark.

use std::path::{Path, PathBuf};

pub const INCLUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/include/secGear");

fn lib_dir() -> PathBuf {
    secgear_sim_tests::cdylib_dir("libsecgear.so")
}

/// Compiles `c/<name>.c` with `extra` (C sources; directories are include
/// paths) and `flags` into `program`, linked against libsecgear.so.
pub fn compile(name: &str, extra: &[PathBuf], flags: &[&str], program: &Path) {
    compile_linking(name, extra, flags, &[], program);
}

/// [`compile`], also linking `libs` (`-l` names of cdylibs next to libsecgear.so).
pub fn compile_linking(
    name: &str,
    extra: &[PathBuf],
    flags: &[&str],
    libs: &[&str],
    program: &Path,
) {
    let source = format!("{}/c/{name}.c", env!("CARGO_MANIFEST_DIR"));
    let lib = lib_dir();
    let mut gcc = std::process::Command::new("gcc");
    for path in extra {
        if path.is_dir() {
            gcc.arg("-I").arg(path);
        } else {
            gcc.arg(path);
        }
    }
    let status = gcc
        .args(flags)
        .args(["-Wall", "-Wextra", "-Werror", "-I", INCLUDE])
        .arg(&source)
        .arg("-L")
        .arg(&lib)
        .args(libs.iter().map(|l| format!("-l{l}")))
        .arg("-lsecgear")
        // DT_RPATH, searched before LD_LIBRARY_PATH (cargo puts target/<profile>,
        // which may hold an older copy, there): this build's library.
        .arg(format!("-Wl,--disable-new-dtags,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(program)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed on {source}");
}

/// The C host stubs of the simulation tests' EDL (`tests_u.h`, `tests_u.c`),
/// written into `dir`; the source's path.
pub fn test_enclave_stubs(dir: &Path) -> PathBuf {
    let edl = Path::new(env!("CARGO_MANIFEST_DIR")).join("../secgear-sim-tests/tests.edl");
    let compiled = secgear_edl::compile_file(&edl, &secgear_edl::Options::default()).expect("read");
    let files = compiled
        .generate_c(
            secgear_edl::Side::Host,
            &secgear_edl::CGenOptions {
                stem: "tests".into(),
                source_name: "tests.edl".into(),
            },
        )
        .expect("generate");
    std::fs::write(dir.join(&files.header_name), &files.header).expect("header");
    let source = dir.join(&files.source_name);
    std::fs::write(&source, &files.source).expect("source");
    source
}
