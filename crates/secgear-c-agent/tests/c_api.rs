//! `tests/c/agent.c`, compiled with gcc against the SDK's
//! `rust_attestation_agent.h` and this crate's cdylib, run against a sim
//! enclave under three configurations: one that trusts it, one in
//! production mode (simulated evidence is never affirmed), and none.

use p384::pkcs8::EncodePublicKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lib_dir() -> PathBuf {
    secgear_sim_tests::cdylib_dir("libattestation_agent.so")
}

fn compile(work: &Path) -> PathBuf {
    let out = work.join("agent");
    let lib_dir = lib_dir();
    let status = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../sdk/include/secGear"
        ))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/c/agent.c"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lattestation_agent")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-o")
        .arg(&out)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed");
    out
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(binary: &Path, sim: &Path, config: Option<&Path>) -> Run {
    let mut cmd = Command::new(binary);
    cmd.env("SECGEAR_SIM_STATE_DIR", sim).env_remove("RUST_LOG");
    match config {
        Some(c) => cmd.env("SECGEAR_AA_CONFIG", c),
        None => cmd.env("SECGEAR_AA_CONFIG", sim.join("absent.toml")),
    };
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn config(dir: &Path, name: &str, mode: &str, anchor: &Path, references: &Path) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "enclave = \"{}\"\n[local]\nanchors = [\"sim:{}\"]\nreferences = \"{}\"\nmode = \"{mode}\"\n",
            secgear_sim_tests::ENCLAVE_IMAGE,
            anchor.display(),
            references.display()
        ),
    )
    .expect("config");
    path
}

#[test]
fn the_original_agent_api_reports_verifies_and_refuses_from_c() {
    let work = tempfile::tempdir().expect("dir");
    let sim = work.path().join("sim");
    let pem = secgear_host::SimPlatform::open(&sim)
        .expect("platform")
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    let anchor = work.path().join("platform.pem");
    std::fs::write(&anchor, pem).expect("anchor");
    let measurement = secgear_sim_tests::ENCLAVE_MEASUREMENT_HEX;
    let references = work.path().join("references.json");
    std::fs::write(
        &references,
        format!(r#"{{"reference_values":[{{"name":"sim.measurement","value":"{measurement}"}}]}}"#),
    )
    .expect("references");
    let binary = compile(work.path());

    let trusting = config(work.path(), "dev.toml", "development", &anchor, &references);
    let r = run(&binary, &sim, Some(&trusting));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("report: {\"tee\":\"sim\",\"evidence\":\""),
        "{}",
        r.stdout
    );
    let claim = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("claim: "))
        .expect("claim line");
    let claim: serde_json::Value = serde_json::from_str(claim).expect("claim is JSON");
    assert_eq!(claim["status"], "affirming", "{claim}");
    assert!(claim.to_string().contains(measurement), "{claim}");
    for (line, why) in [
        ("other challenge: refused", "challenge"),
        ("tampered evidence: refused", ""),
        ("junk report: refused", "not the JSON get_report makes"),
        ("null challenge: refused", "challenge is NULL"),
        ("null report: refused", "report is NULL"),
        ("null ptr with a length: refused", "a NULL ptr and a length"),
        ("ima: refused", "IMA measurements were asked for"),
        ("defaults: accepted", ""),
    ] {
        assert!(r.stdout.contains(line), "{line}\n{}", r.stdout);
        assert!(r.stderr.contains(why), "{why}\n{}", r.stderr);
    }

    // Production mode never affirms the simulation TEE.
    let strict = config(work.path(), "prod.toml", "production", &anchor, &references);
    let r = run(&binary, &sim, Some(&strict));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("claim: refused"), "{}", r.stdout);
    assert!(r.stderr.contains("not affirming"), "{}", r.stderr);

    // No configuration: no report, and the log names the variable.
    let r = run(&binary, &sim, None);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("absent.toml (set SECGEAR_AA_CONFIG"),
        "{}",
        r.stderr
    );
}
