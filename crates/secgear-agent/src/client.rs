//! Service mode: challenge → evidence → token from the attestation service,
//! and token verification against the service's published keys (cached,
//! fetched again when a token names a key the cache does not have).

use crate::attester::{Attester, off_thread, report_data};
use crate::error::AgentError;
use jsonwebtoken::jwk::JwkSet;
use rustls::crypto::CryptoProvider;
use secgear_as_api::SealedResource;
use secgear_as_api::{AttestRequest, AttestResponse, Challenge};
use secgear_attest::token::{EarClaims, TokenError, TokenExpectations, verify_token};
use std::sync::Arc;

/// A token the service issued, with the status it reported.
#[derive(Debug, Clone)]
pub struct Attested {
    pub token: String,
    pub status: String,
}

/// Keys are fetched again for an unknown `kid` at most this often, so that
/// tokens with made-up key ids cannot turn the agent into a load generator.
const JWKS_REFETCH: std::time::Duration = std::time::Duration::from_secs(10);

pub struct ServiceClient {
    base: String,
    http: reqwest::Client,
    jwks: tokio::sync::RwLock<Option<(JwkSet, std::time::Instant)>>,
    refetch_after: std::time::Duration,
}

impl std::fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceClient")
            .field("base", &self.base)
            .finish()
    }
}

/// The body of a successful answer, or the service's refusal.
async fn json<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T, AgentError> {
    if !resp.status().is_success() {
        return Err(refused(resp).await);
    }
    Ok(resp.json().await?)
}

async fn refused(resp: reqwest::Response) -> AgentError {
    let status = resp.status().as_u16();
    let detail = match resp.json::<secgear_as_api::ErrorBody>().await {
        Ok(body) => format!("{}: {}", body.error, body.detail),
        Err(_) => "no error body".into(),
    };
    AgentError::Refused { status, detail }
}

/// The crypto provider when the application names none: the process-wide
/// default if the application installed one, else aws-lc-rs (which this
/// crate's rustls is built with). Never installs one: that choice is the
/// application's.
pub fn default_crypto_provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// TLS to the service with `provider`, trusting the system's roots.
fn tls_config(provider: Arc<CryptoProvider>) -> Result<rustls::ClientConfig, AgentError> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::debug!(target: "secgear::agent", "system root certificates: {e}");
    }
    // Like browsers, skip what does not parse: system stores hold ancient
    // and odd certificates.
    let (added, skipped) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(target: "secgear::agent", added, skipped, "system root certificates");
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| AgentError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // This build of reqwest speaks HTTP/1.1 only (no `http2` feature).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

impl ServiceClient {
    /// A client of the service at `base_url` (`http://` or `https://`; TLS
    /// trusts the system's roots, with [`default_crypto_provider`]).
    pub fn new(base_url: &str) -> Result<Self, AgentError> {
        Self::with_provider(base_url, default_crypto_provider())
    }

    /// [`Self::new`] with the application's choice of crypto provider.
    pub fn with_provider(
        base_url: &str,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, AgentError> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(AgentError::Invalid(format!(
                "service URL {base_url:?} must start with http:// or https://"
            )));
        }
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config(provider)?)
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_string(),
            http,
            jwks: tokio::sync::RwLock::new(None),
            refetch_after: JWKS_REFETCH,
        })
    }

    /// How soon keys may be fetched again for an unknown `kid` (default 10 s).
    pub fn jwks_refetch_after(mut self, interval: std::time::Duration) -> Self {
        self.refetch_after = interval;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub async fn challenge(&self) -> Result<Challenge, AgentError> {
        let resp = self
            .http
            .post(format!("{}/v1/challenge", self.base))
            .send()
            .await?;
        json(resp).await
    }

    /// A challenge's nonce, as sent and decoded.
    async fn fresh_nonce(&self) -> Result<(String, Vec<u8>), AgentError> {
        let challenge = self.challenge().await?;
        let nonce = secgear_as_api::b64::decode(&challenge.nonce)
            .map_err(|_| AgentError::Service("the challenge is not base64".into()))?;
        Ok((challenge.nonce, nonce))
    }

    /// Attests `attester`'s TEE: the evidence binds a fresh nonce and
    /// `runtime_data`; the token carries the runtime data. Runtime data
    /// with a `tee-pubkey` must be bound by code inside the TEE (an agent in
    /// a confidential VM); an enclave's runtime refuses to bind a key its
    /// host chose (see [`Self::attest_tee_key`] for the enclave's own key).
    pub async fn attest(
        &self,
        attester: Arc<dyn Attester>,
        runtime_data: Option<&[u8]>,
        policy_ids: &[String],
    ) -> Result<Attested, AgentError> {
        let (nonce_text, nonce) = self.fresh_nonce().await?;
        let data = report_data(&nonce, runtime_data.unwrap_or_default());
        let tee = attester.tee();
        let evidence = off_thread(move || attester.evidence(&data)).await?;
        self.submit(
            tee,
            evidence,
            nonce_text,
            runtime_data.map(<[u8]>::to_vec),
            policy_ids,
        )
        .await
    }

    /// Attests with the key the TEE itself made and keeps: the token's
    /// runtime data carries that key, so resources released to the token
    /// are sealed to the TEE (fetch them with [`Self::sealed_resource`]
    /// and open them inside it).
    pub async fn attest_tee_key(
        &self,
        attester: Arc<dyn Attester>,
        policy_ids: &[String],
    ) -> Result<Attested, AgentError> {
        let (nonce_text, nonce) = self.fresh_nonce().await?;
        let tee = attester.tee();
        let (runtime_data, evidence) = off_thread(move || attester.key_evidence(&nonce)).await?;
        self.submit(tee, evidence, nonce_text, Some(runtime_data), policy_ids)
            .await
    }

    async fn submit(
        &self,
        tee: secgear_attest::TeeKind,
        evidence: Vec<u8>,
        nonce: String,
        runtime_data: Option<Vec<u8>>,
        policy_ids: &[String],
    ) -> Result<Attested, AgentError> {
        let request = AttestRequest {
            tee: tee.name().into(),
            evidence: secgear_as_api::b64::encode(&evidence),
            nonce,
            runtime_data: runtime_data.as_deref().map(secgear_as_api::b64::encode),
            policy_ids: (!policy_ids.is_empty()).then(|| policy_ids.to_vec()),
        };
        let resp = self
            .http
            .post(format!("{}/v1/attest", self.base))
            .json(&request)
            .send()
            .await?;
        let reply: AttestResponse = json(resp).await?;
        Ok(Attested {
            token: reply.token,
            status: reply.status,
        })
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, AgentError> {
        let resp = self
            .http
            .get(format!("{}/.well-known/jwks.json", self.base))
            .send()
            .await?;
        let keys: JwkSet = json(resp).await?;
        *self.jwks.write().await = Some((keys.clone(), std::time::Instant::now()));
        Ok(keys)
    }

    /// Checks a token against the service's keys and `expect`.
    pub async fn verify_token(
        &self,
        token: &str,
        expect: &TokenExpectations,
    ) -> Result<EarClaims, AgentError> {
        let cached = self.jwks.read().await.clone();
        let (keys, fetched) = match cached {
            Some(cached) => cached,
            None => (self.fetch_jwks().await?, std::time::Instant::now()),
        };
        match verify_token(token, &keys, expect) {
            // The service may have rotated its key since the cache was filled.
            Err(TokenError::UnknownKey(_)) if fetched.elapsed() >= self.refetch_after => {
                let keys = self.fetch_jwks().await?;
                Ok(verify_token(token, &keys, expect)?)
            }
            other => Ok(other?),
        }
    }

    /// Fetches a resource released to `token`, still sealed to the key the
    /// token's runtime data carries.
    pub async fn sealed_resource(
        &self,
        token: &str,
        path: &str,
    ) -> Result<SealedResource, AgentError> {
        if !secgear_as_api::ids::valid_path(path) {
            return Err(AgentError::Invalid(format!(
                "invalid resource path {path:?}"
            )));
        }
        let resp = self
            .http
            .get(format!("{}/v1/resources/{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        json(resp).await
    }

    /// [`Self::sealed_resource`], opened with `private_key`: for an agent
    /// that runs inside the TEE (a confidential VM) and holds the key itself.
    pub async fn resource(
        &self,
        token: &str,
        path: &str,
        private_key: &[u8; 32],
    ) -> Result<Vec<u8>, AgentError> {
        let sealed = self.sealed_resource(token, path).await?;
        Ok(secgear_as_api::sealing::open(private_key, path, &sealed)?)
    }
}
