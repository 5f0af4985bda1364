//! HTTPS needs no process-wide rustls crypto provider: the service uses the
//! provider it is given (aws-lc-rs when none is), and installs none itself.
//! Its own test binary, so that nothing else in the process installs one.

use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::CertificateDer;
use std::net::SocketAddr;
use std::sync::Arc;

const ADMIN: &str = "admin-token-for-tests";

struct Tls {
    _dir: tempfile::TempDir,
    config: secgear_as::Config,
    root: CertificateDer<'static>,
}

fn tls_service() -> Tls {
    let dir = tempfile::tempdir().expect("dir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write");
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).expect("write");
    let mut config = secgear_as::Config::development(
        format!("sqlite://{}", dir.path().join("as.db").display()),
        ADMIN,
    );
    config.tls = Some(secgear_as::config::TlsConfig {
        cert: cert_path,
        key: key_path,
    });
    Tls {
        _dir: dir,
        config,
        root: cert.cert.der().clone(),
    }
}

/// A TLS 1.3 client trusting only `root`, offering `provider`'s suites.
fn client(
    root: &CertificateDer<'static>,
    provider: CryptoProvider,
    addr: SocketAddr,
) -> reqwest::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).expect("root");
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .resolve("localhost", addr)
        .build()
        .expect("client")
}

fn only_suite(suite: rustls::SupportedCipherSuite) -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![suite],
        ..aws_lc_rs::default_provider()
    }
}

async fn healthz(client: &reqwest::Client, addr: SocketAddr) -> Result<u16, reqwest::Error> {
    let url = format!("https://localhost:{}/healthz", addr.port());
    Ok(client.get(url).send().await?.status().as_u16())
}

#[tokio::test]
async fn https_is_served_without_a_process_wide_crypto_provider() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "a fresh test binary has no default provider"
    );
    let tls = tls_service();
    let running = secgear_as::start(tls.config.clone()).await.expect("start");
    let http = client(&tls.root, aws_lc_rs::default_provider(), running.addr);
    assert_eq!(healthz(&http, running.addr).await.expect("https"), 200);
    running.shutdown().await.expect("shutdown");
    assert!(
        CryptoProvider::get_default().is_none(),
        "the service installed a process-wide provider"
    );
}

#[tokio::test]
async fn https_uses_the_provider_the_application_gives() {
    use aws_lc_rs::cipher_suite::{TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384};
    let tls = tls_service();
    let provider = Arc::new(only_suite(TLS13_AES_128_GCM_SHA256));
    let running = secgear_as::start_with_provider(tls.config.clone(), provider)
        .await
        .expect("start");
    let same = client(
        &tls.root,
        only_suite(TLS13_AES_128_GCM_SHA256),
        running.addr,
    );
    assert_eq!(healthz(&same, running.addr).await.expect("https"), 200);
    // A client offering only a suite the given provider lacks finds no
    // common one: the service's TLS is the given provider's.
    let other = client(
        &tls.root,
        only_suite(TLS13_AES_256_GCM_SHA384),
        running.addr,
    );
    let refused = healthz(&other, running.addr).await;
    assert!(refused.is_err(), "{refused:?}");
    running.shutdown().await.expect("shutdown");
    assert!(CryptoProvider::get_default().is_none());
}
