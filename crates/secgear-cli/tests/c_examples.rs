//! The C ports in `examples/c/`, built the way README's "Porting a secGear
//! C application" says — `secgear sdk install`, `secgear edl generated --lang c`,
//! gcc with pkg-config flags, `secgear keygen`/`sign` — and run on the
//! simulation TEE, their output compared with the original examples'.
//!
//! The libraries come from the same target directory as this test's
//! `secgear` binary: `cargo test --workspace` builds them; a stale one is
//! refused with the command that rebuilds it.

use std::path::{Path, PathBuf};
use std::process::Command;

const SECGEAR: &str = env!("CARGO_BIN_EXE_secgear");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fails unless each library is at least as new as its crate's sources.
fn require_fresh_libraries() {
    let bin_dir = Path::new(SECGEAR).parent().expect("target/<profile>");
    for (lib, krate) in [
        ("libsecgear.so", "secgear-c-host"),
        ("libsecgear_tee.a", "secgear-c-enclave"),
    ] {
        let built = std::fs::metadata(bin_dir.join(lib))
            .and_then(|m| m.modified())
            .unwrap_or_else(|_| panic!("{lib} is missing: run `cargo build -p {krate}` (cargo test --workspace builds it)"));
        let src = workspace().join("crates").join(krate).join("src");
        for entry in std::fs::read_dir(&src).expect("src") {
            let modified = entry
                .expect("entry")
                .metadata()
                .and_then(|m| m.modified())
                .expect("mtime");
            assert!(
                modified <= built,
                "{lib} is older than {}: run `cargo build -p {krate}`",
                src.display()
            );
        }
    }
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
    require_fresh_libraries();
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
