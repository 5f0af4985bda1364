//! A C host (libsecgear.so, the generated C stubs) against a Rust host
//! (secgear-host, the generated Rust client) in one run: empty ECALLs,
//! normal and switchless, and secure-channel rounds of 16 KiB records, on
//! the same enclave image. Prints a table:
//! `cargo bench -p secgear-c-host --bench c_vs_rust`.
//!
//! The two hosts run one after the other, each with its own enclave, so
//! nothing else spins while either is measured.

use p384::pkcs8::EncodePublicKey;
use secgear_attest::reference::ReferenceValue;
use secgear_channel::{AppraisalVerifier, ClientChannel, ClientConfig, Event, wire};
use secgear_host::{Enclave, SwitchlessConfig, TeeType};
use secgear_sim_tests::edl;

#[path = "../tests/common/mod.rs"]
mod common;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CALLS: usize = 10_000;

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

fn build_c_host(work: &Path) -> PathBuf {
    let stubs = common::test_enclave_stubs(work);
    let program = work.join("bench");
    common::compile("bench", &[work.to_path_buf(), stubs], &["-O2"], &program);
    program
}

fn c_host(program: &Path, state: &Path) -> (Duration, Duration) {
    let out = std::process::Command::new(program)
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

/// The record of each secure-channel round: 16 KiB of numbers.
const RECORD: usize = 16 * 1024;
const ROUNDS: usize = 1_000;

fn record() -> (Vec<u8>, String) {
    let values: Vec<u64> = (0..RECORD as u64 / 8).map(|i| i * 7 + 1).collect();
    let sum = values.iter().copied().fold(0u64, u64::wrapping_add);
    (
        values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        format!("sum={sum}"),
    )
}

fn channel_verifier(state: &Path) -> AppraisalVerifier {
    let platform = secgear_host::SimPlatform::open(state).expect("platform");
    let mut anchors = secgear_attest::TrustAnchors::default();
    anchors.add_sim_key(platform.public_key().to_sec1_bytes().to_vec());
    let mut refs = secgear_attest::ReferenceValues::new();
    refs.add(ReferenceValue::new(
        "sim.measurement",
        serde_json::json!(secgear_sim_tests::ENCLAVE_MEASUREMENT_HEX),
    ))
    .expect("reference");
    AppraisalVerifier {
        appraiser: secgear_attest::Appraiser::new(anchors, refs, secgear_attest::Mode::Development),
        tee: secgear_attest::TeeKind::Sim,
    }
}

/// Rounds of seal, `channel_sum` in the enclave, open: the p50.
fn rust_channel(state: &Path) -> Duration {
    let enclave = Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state))
        .ocalls(edl::Ocalls(QuietHost))
        .create()
        .expect("create");
    let mut c =
        ClientChannel::new(ClientConfig::new(Box::new(channel_verifier(state)))).expect("client");
    let mut outgoing = vec![c.start().expect("start")];
    while let Some(frame) = outgoing.pop() {
        let reply = enclave.channel_handshake(&frame).expect("handshake");
        for f in wire::split(&reply).expect("frames") {
            if let Event::Send(frames) = c.handle_message(f).expect("handshake step") {
                outgoing.extend(frames);
            }
        }
    }
    let (message, expected) = record();
    let client = edl::Client::new(&enclave);
    let mut reply = vec![0u8; 4096];
    let mut round = || {
        let sealed = c.encrypt(&message).expect("seal").concat();
        let mut len = 0usize;
        let status = client
            .channel_sum(&sealed, &mut reply, &mut len)
            .expect("channel_sum");
        assert_eq!(status, 0);
        let mut answer = None;
        for f in wire::split(&reply[..len]).expect("frames") {
            answer = c.decrypt(f).expect("open").or(answer);
        }
        assert_eq!(answer.as_deref(), Some(expected.as_bytes()));
    };
    let p50 = secgear_sim_tests::measure::latencies(ROUNDS, &mut round).0;
    enclave.destroy().expect("destroy");
    p50
}

/// The C channel program and the client configuration it runs with.
fn build_c_channel(work: &Path, state: &Path) -> (PathBuf, PathBuf) {
    let stubs = common::test_enclave_stubs(work);
    let program = work.join("channel_bench");
    common::compile_linking(
        "channel_bench",
        &[work.to_path_buf(), stubs],
        &["-O2"],
        &["csecure_channel", "usecure_channel"],
        &program,
    );
    let pem = secgear_host::SimPlatform::open(state)
        .expect("platform")
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    let anchor = work.join("platform.pem");
    std::fs::write(&anchor, pem).expect("anchor");
    let config = work.join("client.toml");
    std::fs::write(
        &config,
        format!(
            "trust_anchor = \"{}\"\nmeasurement = \"{}\"\nallow_simulation = true\n",
            anchor.display(),
            secgear_sim_tests::ENCLAVE_MEASUREMENT_HEX
        ),
    )
    .expect("config");
    (program, config)
}

fn c_channel((program, config): &(PathBuf, PathBuf), state: &Path) -> Duration {
    let out = std::process::Command::new(program)
        .arg(secgear_sim_tests::ENCLAVE_IMAGE)
        .arg(ROUNDS.to_string())
        .env("SECGEAR_SIM_STATE_DIR", state)
        .env("SECGEAR_SEC_CHL_CLIENT_CONFIG", config)
        .env("SECGEAR_LOG", "warn")
        .output()
        .expect("run the C channel bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "C channel bench failed ({:?}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("channel_p50_ns="))
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| panic!("no channel_p50_ns in {stdout}"))
}

/// Each trial measures every row on both hosts back to back; the machine's
/// drift between trials then shows in both columns alike.
const TRIALS: usize = 5;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let work = tempfile::tempdir().expect("dir");
    let state = work.path().join("sim");
    let c_bench = build_c_host(work.path());
    let c_channel_bench = build_c_channel(work.path(), &state);
    // Per row: (Rust p50s, C p50s), in µs.
    let mut rows = vec![(Vec::new(), Vec::new()); 3];
    for _ in 0..TRIALS {
        let (rust_normal, rust_sw) = rust_host(&state);
        let (c_normal, c_sw) = c_host(&c_bench, &state);
        let rust_chl = rust_channel(&state);
        let c_chl = c_channel(&c_channel_bench, &state);
        for (row, (rust, c)) in
            rows.iter_mut()
                .zip([(rust_normal, c_normal), (rust_sw, c_sw), (rust_chl, c_chl)])
        {
            row.0.push(rust.as_secs_f64() * 1e6);
            row.1.push(c.as_secs_f64() * 1e6);
        }
    }
    println!(
        "| p50 of (median of {TRIALS} trials) | Rust host | C host | C / Rust (median of trials) | target |"
    );
    println!("|---|---:|---:|---:|---|");
    let labels = [
        format!("empty ECALL, normal ({CALLS} calls)"),
        format!("empty ECALL, switchless ({CALLS} calls)"),
        format!("secure channel: seal 16 KiB, ECALL opens it and answers, open ({ROUNDS} rounds)"),
    ];
    for (label, (rust, c)) in labels.iter().zip(rows) {
        let ratios = rust.iter().zip(&c).map(|(r, c)| c / r).collect();
        let ratio = median(ratios);
        println!(
            "| {label} | {:.2} µs | {:.2} µs | {ratio:.2} | C ≤ 1.10 × Rust ({}) |",
            median(rust),
            median(c),
            if ratio <= 1.10 { "met" } else { "missed" }
        );
    }
}
