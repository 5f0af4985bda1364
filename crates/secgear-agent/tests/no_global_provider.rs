//! The agent's service client needs no process-wide rustls crypto provider
//! and installs none. Its own test binary, so that nothing else in the
//! process installs one.

use rustls::crypto::CryptoProvider;
use secgear_agent::{AgentError, ServiceClient};

#[tokio::test]
async fn the_service_client_works_without_a_process_wide_crypto_provider() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "a fresh test binary has no default provider"
    );
    // Nothing listens on port 9 of loopback: the request fails, as an error.
    for url in ["https://127.0.0.1:9", "http://127.0.0.1:9"] {
        let client = ServiceClient::new(url).expect("a client without a default provider");
        let err = client.challenge().await.expect_err("nothing listens");
        assert!(matches!(err, AgentError::Service(_)), "{err}");
    }
    let given = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    ServiceClient::with_provider("https://127.0.0.1:9", given).expect("with a given provider");
    assert!(
        CryptoProvider::get_default().is_none(),
        "the agent installed a process-wide provider"
    );
}
