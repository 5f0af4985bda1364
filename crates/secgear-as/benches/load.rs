//! Load on the attestation service over loopback, with concurrent clients:
//! `cargo bench -p secgear-as --bench load`. Prints a table.
//!
//! Each attestation is a challenge and an attest request with simulated
//! evidence bound to that challenge. Producing evidence is the TEE's work,
//! not the service's, so it happens between the two timed phases: first
//! every client fetches its nonces (timed), then the evidence is signed
//! (not timed), then every client posts its attestations (timed). The rate
//! is attestations over the two timed phases together.

use p384::ecdsa::SigningKey;
use p384::pkcs8::EncodePublicKey;
use secgear_sim::evidence::{Claims, platform_id, sign};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADMIN: &str = "load-admin";
const CLIENTS: usize = 32;
const PER_CLIENT: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn evidence(key: &SigningKey, nonce: &str) -> String {
    let mut report_data = [0u8; 64];
    let bound = secgear_as::b64::decode(nonce).expect("nonce");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bound);
    report_data[..32].copy_from_slice(digest.as_ref());
    let claims = Claims {
        measurement: [7; 32],
        signer_id: [2; 32],
        product_id: 1,
        svn: 1,
        debug: false,
        report_data,
        platform_id: platform_id(key.verifying_key()),
        issued_at: 1_700_000_000,
    };
    secgear_as::b64::encode(&sign(&claims, key))
}

/// Runs `per_client` requests on each of `CLIENTS` tasks; latencies and errors.
async fn phase<F, Fut>(
    work: Arc<Vec<Vec<String>>>,
    request: F,
) -> (Vec<Duration>, Vec<Vec<String>>, usize, Duration)
where
    F: Fn(String) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = Option<String>> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (work, request) = (work.clone(), request.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut outputs = Vec::new();
                let mut errors = 0;
                for item in &work[c] {
                    let t = Instant::now();
                    match request(item.clone()).await {
                        Some(out) => outputs.push(out),
                        None => errors += 1,
                    }
                    latencies.push(t.elapsed());
                }
                (latencies, outputs, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut outputs = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, o, e) = t.await.expect("client");
        all.extend(l);
        outputs.push(o);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    (all, outputs, errors, elapsed)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("dir");
    let config = secgear_as::Config::development(
        format!("sqlite://{}", dir.path().join("as.db").display()),
        ADMIN,
    );
    let service = secgear_as::start(config).await.expect("service");
    let url = format!("http://{}", service.addr);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let key = SigningKey::from_slice(&[11u8; 48]).expect("key");
    let pem = key
        .verifying_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    for (method, path, body) in [
        (
            reqwest::Method::PUT,
            "/v1/trust-anchors/sim",
            json!({"tee": "sim", "data": pem}),
        ),
        (
            reqwest::Method::POST,
            "/v1/reference-values",
            json!({"reference_values": [{"name": "sim.measurement", "value": hex::encode([7u8; 32])}]}),
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

    let slots: Arc<Vec<Vec<String>>> = Arc::new(vec![vec![String::new(); PER_CLIENT]; CLIENTS]);
    let (h, u) = (http.clone(), url.clone());
    let (challenge_lat, nonces, challenge_errors, challenge_time) = phase(slots, move |_| {
        let (h, u) = (h.clone(), u.clone());
        async move {
            let v: Value = h
                .post(format!("{u}/v1/challenge"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            v["nonce"].as_str().map(str::to_string)
        }
    })
    .await;

    let bodies: Vec<Vec<String>> = nonces
        .iter()
        .map(|list| {
            list.iter()
                .map(|n| {
                    json!({"tee": "sim", "evidence": evidence(&key, n), "nonce": n}).to_string()
                })
                .collect()
        })
        .collect();

    let (h, u) = (http.clone(), url.clone());
    let (attest_lat, _, attest_errors, attest_time) = phase(Arc::new(bodies), move |body| {
        let (h, u) = (h.clone(), u.clone());
        async move {
            let resp = h
                .post(format!("{u}/v1/attest"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .ok()?;
            if !resp.status().is_success() {
                return None;
            }
            let v: Value = resp.json().await.ok()?;
            (v["status"] == "affirming").then(String::new)
        }
    })
    .await;

    let total = CLIENTS * PER_CLIENT;
    let rate = total as f64 / (challenge_time + attest_time).as_secs_f64();
    println!(
        "| load ({CLIENTS} clients × {PER_CLIENT}, SQLite, loopback) | p50 | p99 | rate | errors | target |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    println!(
        "| POST /v1/challenge | {:.2} ms | {:.2} ms | {:.0} req/s | {challenge_errors} | — |",
        ms(percentile(&challenge_lat, 0.5)),
        ms(percentile(&challenge_lat, 0.99)),
        total as f64 / challenge_time.as_secs_f64()
    );
    println!(
        "| POST /v1/attest (sim evidence, affirming) | {:.2} ms | {:.2} ms | {:.0} req/s | {attest_errors} | — |",
        ms(percentile(&attest_lat, 0.5)),
        ms(percentile(&attest_lat, 0.99)),
        total as f64 / attest_time.as_secs_f64()
    );
    println!(
        "| attestations (challenge + attest) | — | — | {rate:.0} /s | {} | ≥ 1000 /s ({}) |",
        challenge_errors + attest_errors,
        if rate >= 1000.0 && challenge_errors + attest_errors == 0 {
            "met"
        } else {
            "missed"
        }
    );
    service.shutdown().await.expect("shutdown");
}
