//! Collateral fetched from a source the operator names: a PCCS or Intel
//! PCS (the v4 certification API) for SGX / TDX, AMD's KDS for SEV-SNP
//! VCEKs. Nothing is fetched unless configured. What is fetched is stored
//! like uploaded collateral, so it is the cache: used until its
//! `nextUpdate`, shared by every instance on the database, and still
//! served (and judged by the verifier) when the source is down.

use percent_encoding::percent_decode_str;
use secgear_attest::collateral::{CollateralItem, IntelCollateral, IntelKey, Need};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::time::Duration;

/// `[collateral]` in the service's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CollateralSources {
    /// Base URL of a PCCS or of Intel PCS (`https://api.trustedservices.intel.com`).
    pub intel_url: Option<String>,
    /// Base URL of AMD's KDS (`https://kdsintf.amd.com`) or a cache of it.
    pub amd_url: Option<String>,
    pub timeout_ms: u64,
}

impl Default for CollateralSources {
    fn default() -> Self {
        Self {
            intel_url: None,
            amd_url: None,
            timeout_ms: 10_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no {0} collateral source is configured")]
    NotConfigured(&'static str),
    #[error("{url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: {detail}")]
    Body { url: String, detail: String },
}

const MAX_BODY: usize = 1 << 20;

pub struct Fetcher {
    http: reqwest::Client,
    sources: CollateralSources,
}

struct Response {
    url: String,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Response {
    /// A header holding a URL-encoded PEM chain (as PCS and PCCS send them).
    fn chain(&self, names: &[&str]) -> Result<String, FetchError> {
        names
            .iter()
            .find_map(|n| self.headers.get(*n))
            .and_then(|v| v.to_str().ok())
            .map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned())
            .ok_or_else(|| FetchError::Body {
                url: self.url.clone(),
                detail: format!("no {} header", names.join(" / ")),
            })
    }

    /// DER, or hex text of it (PCCS serves CRLs hex-encoded).
    fn der(&self) -> Vec<u8> {
        std::str::from_utf8(&self.body)
            .ok()
            .and_then(|t| hex::decode(t.trim()).ok())
            .unwrap_or_else(|| self.body.clone())
    }
}

#[derive(Deserialize)]
struct TcbInfoResponse<'a> {
    #[serde(borrow, rename = "tcbInfo")]
    tcb_info: &'a RawValue,
    signature: String,
}

#[derive(Deserialize)]
struct QeIdentityResponse<'a> {
    #[serde(borrow, rename = "enclaveIdentity")]
    enclave_identity: &'a RawValue,
    signature: String,
}

/// Why the HTTP client for the sources cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

impl Fetcher {
    /// A client trusting the system's roots, with the service's provider.
    pub fn new(
        sources: CollateralSources,
        provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Self, ClientError> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::debug!(target: "secgear::as", "system root certificates: {e}");
        }
        roots.add_parsable_certificates(native.certs);
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(Duration::from_millis(sources.timeout_ms))
            .build()?;
        Ok(Self { http, sources })
    }

    async fn get(&self, url: String) -> Result<Response, FetchError> {
        let resp = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|source| FetchError::Http {
                url: url.clone(),
                source,
            })?;
        if !resp.status().is_success() {
            return Err(FetchError::Status {
                url,
                status: resp.status().as_u16(),
            });
        }
        let headers = resp.headers().clone();
        // Collateral is kilobytes; a source sending more is refused.
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|source| FetchError::Http {
            url: url.clone(),
            source,
        })? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FetchError::Body {
                    url,
                    detail: format!("more than {MAX_BODY} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response { url, headers, body })
    }

    pub async fn fetch(&self, need: &Need) -> Result<CollateralItem, FetchError> {
        match need {
            Need::Intel { key, ca } => self.intel(key, ca).await,
            Need::Amd { .. } => self.amd(need).await,
        }
    }

    async fn intel(&self, key: &IntelKey, ca: &str) -> Result<CollateralItem, FetchError> {
        let base = self
            .sources
            .intel_url
            .as_deref()
            .ok_or(FetchError::NotConfigured("Intel"))?
            .trim_end_matches('/');
        let tee = key.tee.name();
        let pck = self
            .get(format!(
                "{base}/sgx/certification/v4/pckcrl?ca={ca}&encoding=der"
            ))
            .await?;
        let tcb = self
            .get(format!(
                "{base}/{tee}/certification/v4/tcb?fmspc={}",
                key.fmspc
            ))
            .await?;
        let qe = self
            .get(format!("{base}/{tee}/certification/v4/qe/identity"))
            .await?;
        let body_err = |r: &Response, detail: String| FetchError::Body {
            url: r.url.clone(),
            detail,
        };
        let tcb_body: TcbInfoResponse<'_> =
            serde_json::from_slice(&tcb.body).map_err(|e| body_err(&tcb, e.to_string()))?;
        let qe_body: QeIdentityResponse<'_> =
            serde_json::from_slice(&qe.body).map_err(|e| body_err(&qe, e.to_string()))?;
        let qe_identity_issuer_chain = qe.chain(&["SGX-Enclave-Identity-Issuer-Chain"])?;
        let root_ca_crl = match self
            .get(format!("{base}/sgx/certification/v4/rootcacrl"))
            .await
        {
            Ok(r) => r.der(),
            // Intel PCS has no such endpoint: the root names its CRL.
            Err(_) => self.root_crl_from(&qe_identity_issuer_chain).await?,
        };
        let collateral = IntelCollateral {
            pck_crl_issuer_chain: pck.chain(&["SGX-PCK-CRL-Issuer-Chain"])?,
            root_ca_crl,
            pck_crl: pck.der(),
            tcb_info_issuer_chain: tcb
                .chain(&["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"])?,
            tcb_info: tcb_body.tcb_info.get().to_owned(),
            tcb_info_signature: hex::decode(&tcb_body.signature)
                .map_err(|e| body_err(&tcb, format!("signature: {e}")))?,
            qe_identity_issuer_chain,
            qe_identity: qe_body.enclave_identity.get().to_owned(),
            qe_identity_signature: hex::decode(&qe_body.signature)
                .map_err(|e| body_err(&qe, format!("signature: {e}")))?,
            pck_certificate_chain: None,
        };
        match collateral.key() {
            Ok(got) if got == *key => Ok(CollateralItem::Intel(Box::new(collateral))),
            Ok(got) => Err(body_err(&tcb, format!("TCB info is for {got}, not {key}"))),
            Err(e) => Err(body_err(&tcb, e.to_string())),
        }
    }

    /// The root CA CRL from the CRL distribution point of the chain's root.
    async fn root_crl_from(&self, chain: &str) -> Result<Vec<u8>, FetchError> {
        let certs = secgear_attest::envelope::certificates(chain.as_bytes()).map_err(|detail| {
            FetchError::Body {
                url: "QE identity issuer chain".into(),
                detail,
            }
        })?;
        // The chain is not verified yet: only an https distribution point
        // is followed.
        let url = certs
            .last()
            .and_then(|root| crl_url(root))
            .filter(|u| u.starts_with("https://"))
            .ok_or_else(|| FetchError::Body {
                url: "Intel root CA".into(),
                detail: "no CRL distribution point".into(),
            })?;
        Ok(self.get(url).await?.der())
    }

    async fn amd(&self, need: &Need) -> Result<CollateralItem, FetchError> {
        let Need::Amd {
            product,
            chip_id,
            bootloader,
            tee,
            snp,
            microcode,
            fmc,
        } = need
        else {
            return Err(FetchError::NotConfigured("AMD"));
        };
        let base = self
            .sources
            .amd_url
            .as_deref()
            .ok_or(FetchError::NotConfigured("AMD"))?
            .trim_end_matches('/');
        let products: Vec<&str> = match product {
            Some(p) => vec![p],
            None => vec!["Milan", "Genoa", "Turin"],
        };
        let mut last = None;
        for product in products {
            // KDS names Turin chips by the first 8 bytes of their id.
            let hwid = match product {
                "Turin" => hex::encode(&chip_id[..8]),
                _ => hex::encode(chip_id),
            };
            let mut url = format!(
                "{base}/vcek/v1/{product}/{hwid}?blSPL={bootloader}&teeSPL={tee}&snpSPL={snp}&ucodeSPL={microcode}"
            );
            if let (Some(fmc), "Turin") = (fmc, product) {
                url.push_str(&format!("&fmcSPL={fmc}"));
            }
            match self.get(url).await {
                Ok(r) => {
                    return CollateralItem::parse(
                        secgear_attest::collateral::CollateralKind::Amd,
                        &r.body,
                    )
                    .map_err(|e| FetchError::Body {
                        url: r.url.clone(),
                        detail: e.to_string(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(FetchError::NotConfigured("AMD")))
    }
}

/// The first URI of a certificate's CRL distribution points.
fn crl_url(der: &[u8]) -> Option<String> {
    use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::CRLDistributionPoints(points) => {
                points
                    .iter()
                    .find_map(|p| match p.distribution_point.as_ref()? {
                        DistributionPointName::FullName(names) => {
                            names.iter().find_map(|n| match n {
                                GeneralName::URI(uri) => Some((*uri).to_owned()),
                                _ => None,
                            })
                        }
                        _ => None,
                    })
            }
            _ => None,
        })
}
