//! The C ports in `examples/c/`, built the way README's "Porting a secGear
//! C application" says — `secgear sdk install`, `secgear edl generated --lang c`,
//! gcc with pkg-config flags, `secgear keygen`/`sign` — and run on the
//! simulation TEE, their output compared with the original examples'.
//!
//! The libraries are built into the same target directory as this test's
//! `secgear` binary, as `cargo build --release --workspace` puts them next
//! to `target/release/secgear`.

use std::path::{Path, PathBuf};
use std::process::Command;

const SECGEAR: &str = env!("CARGO_BIN_EXE_secgear");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the two C libraries next to this test's `secgear` binary, where
/// `secgear sdk install` takes them from. `cargo test` builds neither the
/// staticlib nor, for this package, the cdylib; cargo holds no lock while
/// tests run, so the test asks it.
fn build_libraries() {
    let bin_dir = Path::new(SECGEAR).parent().expect("target/<profile>");
    let mut cargo = Command::new(option_env!("CARGO").unwrap_or("cargo"));
    cargo.args([
        "build",
        "--quiet",
        "-p",
        "secgear-c-host",
        "-p",
        "secgear-c-enclave",
        "--lib",
    ]);
    if bin_dir.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    let status = cargo
        .env("CARGO_TARGET_DIR", bin_dir.parent().expect("target"))
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build of the C libraries failed");
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout.into_owned()
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .args(args));
    out.split_whitespace().map(str::to_owned).collect()
}

/// Builds `examples/c/<name>` by the recipe and runs its host; its stdout.
fn build_and_run(name: &str) -> String {
    build_libraries();
    let work = tempfile::tempdir().expect("dir");
    let (p, generated, src) = (
        work.path().join("sdk"),
        work.path().join("gen"),
        workspace().join("examples/c").join(name),
    );
    let include = p.join("include/secGear");
    run(Command::new(SECGEAR)
        .args(["sdk", "install", "--prefix"])
        .arg(&p));
    let edl = src.join(format!("{name}.edl"));
    for side in ["host", "enclave"] {
        run(Command::new(SECGEAR)
            .args(["edl", "gen", "--lang", "c", "--side", side, "-I"])
            .arg(&include)
            .arg(&edl)
            .arg("-o")
            .arg(&generated));
    }
    let c_files = |dir: &Path| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("sources")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "c"))
            .collect();
        files.sort();
        files
    };
    let image = work.path().join("enclave.signed.so");
    let host = work.path().join("host");
    run(Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(&generated)
        .args(c_files(&src.join("host")))
        .arg(generated.join(format!("{name}_u.c")))
        .arg(format!("-DPATH=\"{}\"", image.display()))
        .args(pkg_config(&p, &["--cflags", "--libs", "secgear"]))
        .arg("-o")
        .arg(&host));
    let unsigned = work.path().join("enclave.so");
    run(Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(&generated)
        .args(c_files(&src.join("enclave")))
        .arg(generated.join(format!("{name}_t.c")))
        .args(pkg_config(&p, &["--cflags", "--libs", "secgear_tee"]))
        .arg("-o")
        .arg(&unsigned));
    let key = work.path().join("key.pem");
    run(Command::new(SECGEAR).arg("keygen").arg("-o").arg(&key));
    run(Command::new(SECGEAR)
        .arg("sign")
        .arg("--key")
        .arg(&key)
        .arg("--config")
        .arg(src.join("enclave/enclave.toml"))
        .arg(&unsigned)
        .arg("-o")
        .arg(&image));
    run(Command::new(&host)
        .current_dir(work.path())
        .env("SECGEAR_SIM_STATE_DIR", work.path().join("sim")))
}

#[test]
fn helloworld_in_c_builds_by_the_recipe_and_greets() {
    assert_eq!(
        build_and_run("helloworld"),
        "host create enclave success\nenclave say:secgear hello world!\nhost destroy enclave success\n"
    );
}

#[test]
fn seal_data_in_c_seals_and_unseals() {
    assert_eq!(
        build_and_run("seal_data"),
        "Create secgear enclave\nData to encrypt\n"
    );
}

#[test]
fn switchless_in_c_answers_normally_switchlessly_into_shared_memory_and_asynchronously() {
    assert_eq!(
        build_and_run("switchless"),
        "Create secgear enclave\nbuf: secgear hello world!\nshared_buf: secgear hello world!\n\
         async: 300 calls answered (a full pool made them wait)\n\
         async: 300 calls answered (a full pool ran them as normal calls)\n"
    );
}
