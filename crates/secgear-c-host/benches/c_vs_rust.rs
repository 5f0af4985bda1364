//! A C host (libsecgear.so, the generated C stubs) against a Rust host
//! (secgear-host, the generated Rust client) in one run: empty ECALLs,
//! normal and switchless, on the same enclave image. Prints a table:
//! `cargo bench -p secgear-c-host --bench c_vs_rust`.
//!
//! The two hosts run one after the other, each with its own enclave, so
//! nothing else spins while either is measured.

use secgear_host::{Enclave, SwitchlessConfig, TeeType};
use secgear_sim_tests::edl;

#[path = "../tests/common/mod.rs"]
mod common;
use std::path::Path;
use std::time::Duration;

const CALLS: usize = 20_000;

use secgear_sim_tests::QuietHost;

fn p50(f: impl FnMut()) -> Duration {
    secgear_sim_tests::measure::latencies(CALLS, f).0
}

fn rust_host(state: &Path) -> (Duration, Duration) {
    let enclave = Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state))
        .switchless(SwitchlessConfig::default())
        .ocalls(edl::Ocalls(QuietHost))
        .create()
        .expect("create");
    let (normal, switchless) = {
        let c = edl::Client::new(&enclave);
        (
            p50(|| c.empty().expect("empty")),
            p50(|| c.sw_empty().expect("sw_empty")),
        )
    };
    enclave.destroy().expect("destroy");
    (normal, switchless)
}

fn c_host(work: &Path, state: &Path) -> (Duration, Duration) {
    let stubs = common::test_enclave_stubs(work);
    let program = work.join("bench");
    common::compile("bench", &[work.to_path_buf(), stubs], &["-O2"], &program);
    let out = std::process::Command::new(&program)
        .arg(secgear_sim_tests::ENCLAVE_IMAGE)
        .arg(CALLS.to_string())
        .env("SECGEAR_SIM_STATE_DIR", state)
        .env("SECGEAR_LOG", "warn")
        .output()
        .expect("run the C bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "C bench failed: {stdout}");
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_nanos)
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
    };
    (value("normal_p50_ns="), value("switchless_p50_ns="))
}

fn main() {
    let work = tempfile::tempdir().expect("dir");
    let state = work.path().join("sim");
    let (rust_normal, rust_sw) = rust_host(&state);
    let (c_normal, c_sw) = c_host(work.path(), &state);
    println!("| empty ECALL, {CALLS} calls | Rust host p50 | C host p50 | C / Rust | target |");
    println!("|---|---:|---:|---:|---|");
    for (label, rust, c) in [
        ("normal", rust_normal, c_normal),
        ("switchless", rust_sw, c_sw),
    ] {
        let ratio = c.as_secs_f64() / rust.as_secs_f64();
        println!(
            "| {label} | {:.2} µs | {:.2} µs | {ratio:.2} | C ≤ 1.10 × Rust ({}) |",
            rust.as_secs_f64() * 1e6,
            c.as_secs_f64() * 1e6,
            if ratio <= 1.10 { "met" } else { "missed" }
        );
    }
}
