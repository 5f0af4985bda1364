//! With a certificate and key configured the service speaks only TLS.

mod common;
use common::*;

#[tokio::test]
async fn the_service_serves_https_with_the_configured_certificate() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("dir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write");
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).expect("write");
    let mut cfg = config(format!("sqlite://{}", dir.path().join("as.db").display()));
    cfg.tls = Some(secgear_as::config::TlsConfig {
        cert: cert_path,
        key: key_path,
    });
    let running = secgear_as::start(cfg).await.expect("start");
    let port = running.addr.port();
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).expect("root"),
        )
        .resolve("localhost", running.addr)
        .build()
        .expect("client");
    let resp = client
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .expect("https");
    assert_eq!(resp.status(), 200);
    let challenge = client
        .post(format!("https://localhost:{port}/v1/challenge"))
        .send()
        .await
        .expect("https");
    assert_eq!(challenge.status(), 200);
    // Plain HTTP to the TLS port gets no successful answer.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()));
    // A client that does not trust the certificate refuses the connection.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", running.addr)
        .build()
        .expect("client");
    let err = untrusting
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .expect_err("untrusted certificate");
    assert!(err.is_connect(), "{err:?}");
    running.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_missing_certificate_fails_at_start() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = config(format!("sqlite://{}", dir.path().join("as.db").display()));
    cfg.tls = Some(secgear_as::config::TlsConfig {
        cert: dir.path().join("absent.pem"),
        key: dir.path().join("absent-key.pem"),
    });
    let err = secgear_as::start(cfg).await.err().expect("refused");
    assert!(
        matches!(
            &err,
            secgear_as::ServeError::Tls {
                source: secgear_as::TlsError::Read { path, .. },
                ..
            } if path.ends_with("absent.pem")
        ),
        "{err}"
    );
    assert!(err.to_string().contains("TLS certificate or key"), "{err}");
}
