//! Building C enclave images in tests: gcc against the headers and
//! libsecgear_tee.a, then signing.

use std::path::{Path, PathBuf};

pub const INCLUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/include/secGear");

/// What the Rust staticlib needs from the system (`--print native-static-libs`).
const NATIVE_LIBS: [&str; 6] = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

fn staticlib() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let deps = exe.parent().expect("target/<profile>/deps/<test>");
    [deps, deps.parent().unwrap_or(deps)]
        .into_iter()
        .map(|d| d.join("libsecgear_tee.a"))
        .find(|p| p.exists())
        .expect("libsecgear_tee.a next to the test")
}

/// Compiles `sources` (with `include` directories) into an enclave image in
/// `dir`, signs it with `key` (a fresh one for `None`) and `config`
/// (enclave.toml text); the signed image's path.
pub fn build_signed(
    dir: &Path,
    sources: &[PathBuf],
    include: &[&Path],
    config: &str,
    key: Option<&Path>,
) -> PathBuf {
    let image = dir.join("enclave.so");
    let mut gcc = std::process::Command::new("gcc");
    gcc.args([
        "-Wall",
        "-Wextra",
        "-Werror",
        "-DPRINT_LEVEL=3",
        "-I",
        INCLUDE,
    ]);
    for dir in include {
        gcc.arg("-I").arg(dir);
    }
    let status = gcc
        .args(sources)
        .arg(staticlib())
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&image)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed on {sources:?}");
    let config = secgear_sign::Config::parse(config).expect("config");
    let key = match key {
        Some(path) => secgear_sign::load_key(path).expect("signing key"),
        None => secgear_sign::generate_key().expect("key"),
    };
    let signed =
        secgear_sign::sign(&std::fs::read(&image).expect("image"), &config, &key).expect("sign");
    let path = dir.join("enclave.signed.so");
    std::fs::write(&path, signed).expect("write");
    path
}
