//! Remote attestation end to end, on the simulation TEE:
//!
//! 1. start the attestation service (SQLite, loopback);
//! 2. register this machine's sim platform key as a trust anchor and the
//!    helloworld enclave's measurement (what `secgear measure` prints) as a
//!    reference value;
//! 3. attest the enclave through the agent and print the token's claims;
//! 4. show what a wrong reference value gives (a strict policy calls it
//!    contraindicated), and that a replayed nonce gets 409.

use p384::pkcs8::EncodePublicKey;
use secgear_agent::{Attester, SimAttester};
use serde_json::{Value, json};
use std::sync::Arc;

secgear_host::include_enclave_image!();

const ADMIN_TOKEN: &str = "remote-attest-example-admin";

/// The default sim policy, except that an unknown measurement is
/// contraindicated (AR4SI 96) rather than merely unrecognised (33).
const STRICT_POLICY: &str = r#"package secgear.appraisal
import rego.v1
ok(name) if input.checks[name].result == "ok"
default hardware := 97
hardware := 2 if { input.mode == "development"; ok("signature"); ok("endorsement") }
default instance_identity := 96
instance_identity := 2 if { ok("signature"); ok("endorsement"); ok("freshness") }
default executables := 96
executables := 2 if input.claims.measurement in input.reference["sim.measurement"]
trust_vector := {"hardware": hardware, "instance-identity": instance_identity, "executables": executables}
"#;

async fn admin(
    http: &reqwest::Client,
    url: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<(), String> {
    let resp = http
        .request(method, format!("{url}{path}"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "{path}: {} {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        ))
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let db = tempfile::tempdir().map_err(|e| e.to_string())?;
    // Development mode: simulated evidence is never affirmed in production mode.
    let config = secgear_as::Config::development(
        format!("sqlite://{}", db.path().join("as.db").display()),
        ADMIN_TOKEN,
    );
    let service = secgear_as::start(config).await.map_err(|e| e.to_string())?;
    let url = format!("http://{}", service.addr);
    println!("attestation service: {url} (SQLite)");

    let http = reqwest::Client::new();
    let platform = secgear_host::SimPlatform::open_default().map_err(|e| e.to_string())?;
    let pem = platform
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .map_err(|e| e.to_string())?;
    admin(
        &http,
        &url,
        reqwest::Method::PUT,
        "/v1/trust-anchors/this-machine",
        json!({"tee": "sim", "data": pem}),
    )
    .await?;
    println!("enclave measurement (secgear measure): {ENCLAVE_MEASUREMENT_HEX}");
    admin(
        &http,
        &url,
        reqwest::Method::POST,
        "/v1/reference-values",
        json!({"reference_values": [{"name": "sim.measurement", "value": ENCLAVE_MEASUREMENT_HEX}]}),
    )
    .await?;
    admin(
        &http,
        &url,
        reqwest::Method::PUT,
        "/v1/policies/sim-strict",
        json!({"rego": STRICT_POLICY}),
    )
    .await?;

    let image = std::path::Path::new(ENCLAVE_IMAGE);
    let (claims, status) = secgear_agent::attest_enclave(&url, image, None, &[])
        .await
        .map_err(|e| e.to_string())?;
    println!("attestation: {status}");
    println!(
        "{}",
        serde_json::to_string_pretty(&claims.submods["sim"].claims).map_err(|e| e.to_string())?
    );

    // A wrong reference value: the enclave is no longer recognised.
    http.delete(format!("{url}/v1/reference-values/sim.measurement"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    admin(
        &http,
        &url,
        reqwest::Method::POST,
        "/v1/reference-values",
        json!({"reference_values": [{"name": "sim.measurement", "value": "00".repeat(32)}]}),
    )
    .await?;
    let (_, status) = secgear_agent::attest_enclave(&url, image, None, &["sim-strict".to_string()])
        .await
        .map_err(|e| e.to_string())?;
    println!("with a wrong reference value: {status}");

    // A replayed nonce.
    let attester = Arc::new(SimAttester::load(image).map_err(|e| e.to_string())?);
    let challenge: Value = http
        .post(format!("{url}/v1/challenge"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let nonce = challenge["nonce"].as_str().ok_or("no nonce")?.to_string();
    let raw = secgear_as::b64::decode(&nonce).map_err(|e| e.to_string())?;
    let evidence = attester
        .evidence(&secgear_agent::report_data(&raw, &[]))
        .map_err(|e| e.to_string())?;
    let body =
        json!({"tee": "sim", "evidence": secgear_as::b64::encode(&evidence), "nonce": nonce});
    for attempt in ["first use", "replay"] {
        let resp = http
            .post(format!("{url}/v1/attest"))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        println!("nonce {attempt}: HTTP {}", resp.status().as_u16());
    }
    service.shutdown().await.map_err(|e| e.to_string())
}
