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

/// Builds the C libraries next to this test's `secgear` binary, where
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
        "-p",
        "secgear-c-channel-client",
        "-p",
        "secgear-c-channel-host",
        "-p",
        "secgear-c-agent",
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

/// An installed SDK and the generated code of one EDL, in a scratch directory.
struct Sdk {
    work: tempfile::TempDir,
    prefix: PathBuf,
    generated: PathBuf,
}

fn c_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("sources")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    files.sort();
    files
}

impl Sdk {
    /// `secgear sdk install`, then both sides' code for `edl`.
    fn install_and_generate(edl: &Path) -> Self {
        build_libraries();
        let work = tempfile::tempdir().expect("dir");
        let (prefix, generated) = (work.path().join("sdk"), work.path().join("gen"));
        run(Command::new(SECGEAR)
            .args(["sdk", "install", "--prefix"])
            .arg(&prefix));
        for side in ["host", "enclave"] {
            run(Command::new(SECGEAR)
                .args(["edl", "gen", "--lang", "c", "--side", side, "-I"])
                .arg(prefix.join("include/secGear"))
                .arg(edl)
                .arg("-o")
                .arg(&generated));
        }
        Self {
            work,
            prefix,
            generated,
        }
    }

    fn dir(&self) -> &Path {
        self.work.path()
    }

    /// gcc, warnings as errors, with the generated headers and `packages`' flags.
    fn cc(&self, sources: &[PathBuf], defines: &[String], packages: &[&str], out: &Path) {
        let mut flags = vec!["--cflags", "--libs"];
        flags.extend(packages);
        run(Command::new("gcc")
            .args(["-Wall", "-Wextra", "-Werror", "-I"])
            .arg(&self.generated)
            .args(sources)
            .args(defines)
            .args(pkg_config(&self.prefix, &flags))
            .arg("-o")
            .arg(out));
    }

    /// The enclave image from `src/enclave/*.c`, signed: its path.
    fn signed_enclave(&self, src: &Path, stem: &str, packages: &[&str]) -> PathBuf {
        let unsigned = self.dir().join("enclave.so");
        let mut sources = c_files(&src.join("enclave"));
        sources.push(self.generated.join(format!("{stem}_t.c")));
        self.cc(&sources, &[], packages, &unsigned);
        let key = self.dir().join("key.pem");
        run(Command::new(SECGEAR).arg("keygen").arg("-o").arg(&key));
        let image = self.dir().join("enclave.signed.so");
        run(Command::new(SECGEAR)
            .arg("sign")
            .arg("--key")
            .arg(&key)
            .arg("--config")
            .arg(src.join("enclave/enclave.toml"))
            .arg(&unsigned)
            .arg("-o")
            .arg(&image));
        image
    }

    /// The host program from `src/<dir>/*.c` and the generated `X_u.c`.
    fn host(&self, src: &Path, dir: &str, stem: &str, image: &Path, packages: &[&str]) -> PathBuf {
        let out = self.dir().join(dir.replace('/', "_"));
        let mut sources = c_files(&src.join(dir));
        sources.push(self.generated.join(format!("{stem}_u.c")));
        self.cc(
            &sources,
            &[
                format!("-DPATH=\"{}\"", image.display()),
                format!("-I{}", src.display()),
            ],
            packages,
            &out,
        );
        out
    }

    fn sim_state(&self) -> PathBuf {
        self.dir().join("sim")
    }
}

/// Builds `examples/c/<name>` by the recipe and runs its host; its stdout.
fn build_and_run(name: &str) -> String {
    let src = workspace().join("examples/c").join(name);
    let sdk = Sdk::install_and_generate(&src.join(format!("{name}.edl")));
    let image = sdk.signed_enclave(&src, name, &["secgear_tee"]);
    let host = sdk.host(&src, "host", name, &image, &["secgear"]);
    run(Command::new(&host)
        .current_dir(sdk.dir())
        .env("SECGEAR_SIM_STATE_DIR", sdk.sim_state()))
}

#[test]
fn helloworld_in_c_builds_by_the_recipe_and_greets() {
    assert_eq!(
        build_and_run("helloworld"),
        "host create enclave success\nenclave say:secgear hello world!\nhost destroy enclave success\n"
    );
}

#[test]
fn helloworld_in_c_builds_and_signs_with_the_cmake_package() {
    build_libraries();
    let work = tempfile::tempdir().expect("dir");
    let prefix = work.path().join("sdk");
    run(Command::new(SECGEAR)
        .args(["sdk", "install", "--prefix"])
        .arg(&prefix));
    let build = work.path().join("build");
    run(Command::new("cmake")
        .arg("-S")
        .arg(workspace().join("examples/c/helloworld"))
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .env("CFLAGS", "-Wall -Wextra -Werror"));
    run(Command::new("cmake").arg("--build").arg(&build));
    assert!(build.join("enclave.signed.so").exists());
    assert_eq!(
        run(Command::new(build.join("host"))
            .current_dir(work.path())
            .env("SECGEAR_SIM_STATE_DIR", work.path().join("sim"))),
        "host create enclave success\nenclave say:secgear hello world!\nhost destroy enclave success\n"
    );
    // An SDK without its secgear program is not found.
    std::fs::remove_file(prefix.join("bin/secgear")).expect("rm");
    let out = Command::new("cmake")
        .arg("-S")
        .arg(workspace().join("examples/c/helloworld"))
        .arg("-B")
        .arg(work.path().join("build2"))
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .output()
        .expect("cmake");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no secgear program in"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
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

#[test]
fn switchless_calls_use_shared_memory_in_place_and_copy_anything_else() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/zero_copy");
    let sdk = Sdk::install_and_generate(&src.join("zero_copy.edl"));
    let image = sdk.signed_enclave(&src, "zero_copy", &["secgear_tee"]);
    let host = sdk.host(&src, "host", "zero_copy", &image, &["secgear"]);
    let stdout = run(Command::new(&host)
        .current_dir(sdk.dir())
        .env("SECGEAR_SIM_STATE_DIR", sdk.sim_state()));
    assert_eq!(
        stdout,
        "switchless, shared memory: used in place (sum 2, Operation successful.)\n\
         switchless, heap memory: copied (sum 2, Operation successful.)\n\
         switchless, second half of a shared buffer: used in place (Operation successful.)\n\
         fill: written by the enclave in place (32)\n\
         fill_async: written by the enclave in place (Operation successful.)\n\
         fill_normal: written by the enclave, copied back\n"
    );
}

/// The secure-channel server, killed when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn secure_channel_in_c_serves_both_client_styles_over_tcp_and_refuses_the_wrong_enclave() {
    use std::io::BufRead;
    let src = workspace().join("examples/c/secure_channel");
    let sdk = Sdk::install_and_generate(&src.join("sc_demo.edl"));
    // The enclave links through the original's library name (libtsecure_channel.a).
    let image = sdk.signed_enclave(&src, "sc_demo", &["secure_channel_enclave"]);
    let server = sdk.host(
        &src,
        "host",
        "sc_demo",
        &image,
        &[
            "secgear",
            "secure_channel_host",
            "secgear_attestation_agent",
        ],
    );
    let clients: Vec<PathBuf> = ["client", "client_with_recv_thread"]
        .iter()
        .map(|dir| {
            let out = sdk.dir().join(dir);
            let include = format!("-I{}", src.display());
            sdk.cc(
                &c_files(&src.join(dir)),
                &[include],
                &["secure_channel_client", "secgear_attestation_agent"],
                &out,
            );
            out
        })
        .collect();

    // What the client expects: this machine's platform key and the image's measurement.
    let anchor = sdk.dir().join("platform.pem");
    let pem = run(Command::new(SECGEAR)
        .args(["attest", "platform-key"])
        .env("SECGEAR_SIM_STATE_DIR", sdk.sim_state()));
    std::fs::write(&anchor, pem).expect("anchor");
    let measurement = run(Command::new(SECGEAR).arg("measure").arg(&image))
        .trim()
        .to_owned();
    let config = |name: &str, body: String| {
        let path = sdk.dir().join(name);
        std::fs::write(&path, body).expect("config");
        path
    };
    let good = config(
        "good.toml",
        format!(
            "trust_anchor = \"{}\"\nmeasurement = \"{measurement}\"\nallow_simulation = true\n",
            anchor.display()
        ),
    );

    let server_log = sdk.dir().join("server.log");
    let mut child = Command::new(&server)
        .arg("0")
        .current_dir(sdk.dir())
        .env("SECGEAR_SIM_STATE_DIR", sdk.sim_state())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&server_log).expect("log"))
        .spawn()
        .expect("server");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Server(child);
    let mut first = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut first)
        .expect("server output");
    let port = first
        .trim()
        .strip_prefix("server listening on port ")
        .unwrap_or_else(|| {
            panic!(
                "server said {first:?}; log: {:?}",
                std::fs::read_to_string(&server_log)
            )
        })
        .to_owned();

    let client = |program: &Path, config: &Path| {
        Command::new(program)
            .arg(&port)
            .env("SECGEAR_SEC_CHL_CLIENT_CONFIG", config)
            .output()
            .expect("client")
    };
    for program in &clients {
        let out = client(program, &good);
        assert!(
            out.status.success(),
            "{program:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "connect server success\nclient send secret:This is client secret 666\n\
             client recv secret:This is client secret handle result from enclave\n",
            "{program:?}"
        );
    }
    let log = std::fs::read_to_string(&server_log).expect("server log");
    assert_eq!(
        log.matches("enclave recv secret:This is client secret 666")
            .count(),
        2,
        "the enclave read both secrets: {log}"
    );

    // Refusals: each with its code and a log line saying why.
    let wrong_measurement = config(
        "wrong.toml",
        format!(
            "trust_anchor = \"{}\"\nmeasurement = \"{}\"\nallow_simulation = true\n",
            anchor.display(),
            "0".repeat(measurement.len())
        ),
    );
    let no_simulation = config(
        "nosim.toml",
        format!(
            "trust_anchor = \"{}\"\nmeasurement = \"{measurement}\"\nallow_simulation = false\n",
            anchor.display()
        ),
    );
    let unknown_key = config(
        "typo.toml",
        format!(
            "trust_anchor = \"{}\"\nmeasurment = \"{measurement}\"\nallow_simulation = true\n",
            anchor.display()
        ),
    );
    let missing = sdk.dir().join("absent.toml");
    for (config, code, why) in [
        (
            &wrong_measurement,
            "0x5b",
            &*format!("its measurement is {measurement}"),
        ),
        (&no_simulation, "0x5b", "only development mode trusts"),
        (&unknown_key, "0x5a", "unknown field `measurment`"),
        (
            &missing,
            "0x5a",
            "absent.toml (set SECGEAR_SEC_CHL_CLIENT_CONFIG",
        ),
    ] {
        for program in &clients {
            let out = client(program, config);
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(
                !out.status.success(),
                "{program:?} with {config:?}: {stdout}"
            );
            assert!(
                stdout.contains(&format!("secure channel init failed:{code}")),
                "{program:?} with {config:?}: {stdout}"
            );
            assert!(
                stderr.contains(why),
                "{program:?} with {config:?}: {stderr}"
            );
        }
    }
}
