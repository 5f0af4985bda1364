//! Calls the same enclave function through a normal ECALL and through the
//! switchless pool, and reports the median latency of each.
#![forbid(unsafe_code)]

use secgear_host::{Enclave, SwitchlessConfig, TeeType};
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod edl {
    secgear_abi::include_host!("switchless");
}

secgear_host::include_enclave_image!();

const EXPECTED: &[u8] = b"secgear hello world!";
const WARMUP: usize = 2_000;
const CALLS: usize = 20_000;

fn greeting(buf: &[u8; 32]) -> &[u8] {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    &buf[..end]
}

/// Median latency of `calls` invocations, after checking every answer.
fn median(
    calls: usize,
    mut call: impl FnMut(&mut [u8; 32]) -> Result<i32, secgear_host::Error>,
) -> Result<Duration, String> {
    let mut samples = Vec::with_capacity(calls);
    for _ in 0..calls {
        let mut buf = [0u8; 32];
        let start = Instant::now();
        let status = call(&mut buf).map_err(|e| e.to_string())?;
        samples.push(start.elapsed());
        if status != 0 || greeting(&buf) != EXPECTED {
            return Err(format!(
                "unexpected answer: status {status}, {:?}",
                String::from_utf8_lossy(greeting(&buf))
            ));
        }
    }
    samples.sort_unstable();
    Ok(samples[samples.len() / 2])
}

fn run() -> Result<(), String> {
    let enclave = Enclave::builder(ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .switchless(SwitchlessConfig::default())
        .create()
        .map_err(|e| e.to_string())?;
    let client = edl::Client::new(&enclave);

    let mut buf = [0u8; 32];
    client
        .get_string_switchless(&mut buf)
        .map_err(|e| e.to_string())?;
    println!("enclave says: {}", String::from_utf8_lossy(greeting(&buf)));

    median(WARMUP, |b| client.get_string(b))?;
    let normal = median(CALLS, |b| client.get_string(b))?;
    median(WARMUP, |b| client.get_string_switchless(b))?;
    let switchless = median(CALLS, |b| client.get_string_switchless(b))?;

    let stats = enclave
        .switchless_stats()
        .ok_or("the enclave has no switchless pool")?;
    println!(
        "switchless: calls={} served={} fell_back={} pool_full={}",
        1 + WARMUP + CALLS,
        stats.served,
        stats.fallbacks,
        stats.pool_full
    );
    let normal_us = normal.as_secs_f64() * 1e6;
    let switchless_us = switchless.as_secs_f64() * 1e6;
    println!(
        "summary: normal_p50_us={normal_us:.3} switchless_p50_us={switchless_us:.3} speedup={:.1}",
        normal_us / switchless_us
    );
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_writer(std::io::stderr)
        .init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
