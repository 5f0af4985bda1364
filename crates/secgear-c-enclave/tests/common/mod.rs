//! Building C enclave images in tests: gcc against the headers and
//! libsecgear_tee.a, then signing.

use std::path::{Path, PathBuf};

pub const INCLUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/include/secGear");

/// What the Rust staticlib needs from the system (`--print native-static-libs`).
const NATIVE_LIBS: [&str; 6] = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

/// libsecgear_tee.a, built for this test's profile. `cargo test` links
/// the crate into its tests as an rlib and leaves the staticlib unbuilt, so
/// the test asks cargo for it (cargo holds no lock while tests run).
fn staticlib() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    // <target>/<profile>/deps/<test>
    let profile_dir = exe.ancestors().nth(2).expect("target/<profile>");
    let mut cargo = std::process::Command::new(option_env!("CARGO").unwrap_or("cargo"));
    cargo.args(["build", "--quiet", "-p", "secgear-c-enclave", "--lib"]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    let status = cargo
        .env("CARGO_TARGET_DIR", profile_dir.parent().expect("target"))
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build -p secgear-c-enclave failed");
    profile_dir.join("libsecgear_tee.a")
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
