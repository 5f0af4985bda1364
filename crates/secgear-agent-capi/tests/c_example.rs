//! Compiles `c/attest.c` with gcc against the generated header and the
//! cdylib, and runs it against a real attestation service and sim enclave.

use p384::pkcs8::EncodePublicKey;
use serde_json::json;
use std::path::{Path, PathBuf};

const ADMIN: &str = "capi-test-admin";

fn lib_dir() -> PathBuf {
    secgear_sim_tests::cdylib_dir("libsecgear_agent_c.so")
}

fn compile(work: &Path) -> PathBuf {
    let out = work.join("attest");
    let lib_dir = lib_dir();
    let status = std::process::Command::new("gcc")
        .arg("-Wall")
        .arg("-Werror")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/c/attest.c"))
        .arg("-I")
        .arg(env!("OUT_DIR"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lsecgear_agent_c")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-o")
        .arg(&out)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed");
    out
}

async fn provision(url: &str, sim_dir: &Path, measurement: &str) {
    let pem = secgear_host::SimPlatform::open(sim_dir)
        .expect("platform")
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    let http = reqwest::Client::new();
    for (method, path, body) in [
        (
            reqwest::Method::PUT,
            "/v1/trust-anchors/sim",
            json!({"tee": "sim", "data": pem}),
        ),
        (
            reqwest::Method::POST,
            "/v1/reference-values",
            json!({"reference_values": [{"name": "sim.measurement", "value": measurement}]}),
        ),
    ] {
        let status = http
            .request(method, format!("{url}{path}"))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .expect("provision")
            .status();
        assert!(status.is_success(), "{path}: {status}");
    }
}

async fn run(measurement: &str) -> (i32, String, String) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let work = tempfile::tempdir().expect("dir");
    let sim_dir = work.path().join("sim");
    let config = secgear_as::Config::development(
        format!("sqlite://{}", work.path().join("as.db").display()),
        ADMIN,
    );
    let service = secgear_as::start(config).await.expect("service");
    let url = format!("http://{}", service.addr);
    provision(&url, &sim_dir, measurement).await;
    let binary = compile(work.path());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(binary)
            .arg(&url)
            .arg(secgear_sim_tests::ENCLAVE_IMAGE)
            .env("SECGEAR_SIM_STATE_DIR", &sim_dir)
            .output()
            .expect("run the C example")
    })
    .await
    .expect("join");
    service.shutdown().await.expect("shutdown");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_c_example_attests_through_the_c_abi() {
    let (code, stdout, stderr) = run(&hex::encode(secgear_sim_tests::ENCLAVE_MEASUREMENT)).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("evidence: "), "{stdout}");
    assert!(stdout.contains("affirming: {"), "{stdout}");
    assert!(
        stdout.contains(&hex::encode(secgear_sim_tests::ENCLAVE_MEASUREMENT)),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_c_example_reports_a_non_affirming_result_as_such() {
    let (code, stdout, stderr) = run(&"cd".repeat(32)).await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("not affirming"), "{stdout}");
}
