//! A service on a temporary SQLite file, and simulated evidence.
#![allow(dead_code)]

use p384::ecdsa::SigningKey;
use p384::pkcs8::EncodePublicKey;
use secgear_as::{Config, Running};
use secgear_sim::evidence::{Claims, platform_id, sign};
use serde_json::{Value, json};

pub const ADMIN: &str = "admin-token-for-tests";
pub const MEASUREMENT: [u8; 32] = [7; 32];

pub fn platform() -> SigningKey {
    SigningKey::from_slice(&[11u8; 48]).expect("key")
}

pub fn platform_pem() -> String {
    platform()
        .verifying_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem")
}

pub fn config(database_url: String) -> Config {
    Config {
        refresh_seconds: 1,
        ..Config::development(database_url, ADMIN)
    }
}

pub struct Service {
    pub running: Running,
    pub url: String,
    pub http: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

pub async fn start_sqlite() -> Service {
    start_sqlite_with(|_| {}).await
}

/// A service on a temporary SQLite file, its configuration changed by `edit`.
pub async fn start_sqlite_with(edit: impl FnOnce(&mut Config)) -> Service {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("as.db").display());
    let mut config = config(url);
    edit(&mut config);
    let mut service = start_with(config).await;
    service._dir = Some(dir);
    service
}

pub async fn start_with(config: Config) -> Service {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let running = secgear_as::start(config).await.expect("start");
    let url = format!("http://{}", running.addr);
    Service {
        running,
        url,
        http: reqwest::Client::new(),
        _dir: None,
    }
}

impl Service {
    /// The published token-signing keys.
    pub async fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        self.http
            .get(format!("{}/.well-known/jwks.json", self.url))
            .send()
            .await
            .expect("jwks")
            .json()
            .await
            .expect("json")
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(ADMIN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Registers the test platform key and the test measurement.
    pub async fn provision(&self) {
        let (s, body) = self
            .admin(
                reqwest::Method::PUT,
                "/v1/trust-anchors/sim-platform",
                Some(json!({"tee": "sim", "data": platform_pem()})),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = self
            .admin(
                reqwest::Method::POST,
                "/v1/reference-values",
                Some(json!({"reference_values": [
                    {"name": "sim.measurement", "value": hex::encode(MEASUREMENT)}]})),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }

    pub async fn challenge(&self) -> String {
        let v: Value = self
            .http
            .post(format!("{}/v1/challenge", self.url))
            .send()
            .await
            .expect("challenge")
            .json()
            .await
            .expect("json");
        v["nonce"].as_str().expect("nonce").to_string()
    }

    pub async fn attest(&self, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/v1/attest", self.url))
            .json(body)
            .send()
            .await
            .expect("attest");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

pub fn b64(bytes: &[u8]) -> String {
    secgear_as::b64::encode(bytes)
}

/// Evidence from the test platform for `measurement`, bound to nonce and runtime data.
pub fn evidence(nonce: &str, runtime_data: &[u8], measurement: [u8; 32]) -> Vec<u8> {
    let raw = secgear_as::b64::decode(nonce).expect("nonce");
    // This test plays the TEE: a key in the runtime data is one it holds.
    let report_data = if secgear_as::sealing::carries_key(runtime_data) {
        secgear_as::sealing::report_data(&raw, runtime_data)
    } else {
        let mut bound = raw;
        bound.extend_from_slice(runtime_data);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bound);
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(digest.as_ref());
        out
    };
    let key = platform();
    let claims = Claims {
        measurement,
        signer_id: [2; 32],
        product_id: 1,
        svn: 1,
        debug: false,
        report_data,
        platform_id: platform_id(key.verifying_key()),
        issued_at: 1_700_000_000,
    };
    sign(&claims, &key)
}

pub fn attest_body(nonce: &str, runtime_data: &[u8], measurement: [u8; 32]) -> Value {
    json!({
        "tee": "sim",
        "evidence": b64(&evidence(nonce, runtime_data, measurement)),
        "nonce": nonce,
        "runtime_data": b64(runtime_data),
    })
}
