//! The HTTP(S) server: routes, limits, metrics, background upkeep, graceful
//! shutdown.

use crate::config::{Config, ConfigError, TlsConfig};
use crate::error::ApiError;
use crate::state::{AppState, StateError};
use crate::store::{SqlStore, Store};
use crate::{admin, api};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use rustls::crypto::CryptoProvider;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "secgear-rs attestation service", description = "Challenges, evidence appraisal into EAR tokens, and attested resource release."),
    paths(
        api::challenge, api::attest, api::jwks, api::healthz, api::readyz, api::metrics,
        api::get_resource,
        admin::list_policies, admin::get_policy, admin::put_policy, admin::delete_policy,
        admin::list_references, admin::add_references, admin::delete_references,
        admin::list_anchors, admin::put_anchor, admin::delete_anchor,
        admin::list_collateral, admin::put_collateral, admin::delete_collateral,
        admin::list_resources, admin::put_resource, admin::delete_resource,
    ),
    modifiers(&AdminAuth)
)]
pub struct ApiDoc;

struct AdminAuth;

impl utoipa::Modify for AdminAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// Counts and times every request by route template and status.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = crate::metrics::RouteLabels {
        route: route.clone(),
        status: response.status().as_u16(),
    };
    state.metrics.requests.get_or_create(&labels).inc();
    state
        .metrics
        .latency
        .get_or_create(&crate::metrics::LatencyLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Answers a request whose declared `Content-Length` exceeds the limit
/// with 413 at once: waiting for a body that will be refused anyway only
/// ends in a timeout (and holds a connection open for a slow sender).
async fn declared_length(
    axum::extract::State(limit): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > limit as u64 => ApiError::TooLarge(format!(
            "the body declares {len} bytes; at most {limit} are accepted"
        ))
        .into_response(),
        _ => next.run(request).await,
    }
}

/// The routes, with body limit, timeout and metrics.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_body_bytes;
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    Router::new()
        .route("/v1/challenge", post(api::challenge))
        .route("/v1/attest", post(api::attest))
        .route("/.well-known/jwks.json", get(api::jwks))
        .route("/v1/openapi.json", get(openapi))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/v1/policies", get(admin::list_policies))
        .route(
            "/v1/policies/{id}",
            get(admin::get_policy)
                .put(admin::put_policy)
                .delete(admin::delete_policy),
        )
        .route(
            "/v1/reference-values",
            get(admin::list_references).post(admin::add_references),
        )
        .route(
            "/v1/reference-values/{name}",
            axum::routing::delete(admin::delete_references),
        )
        .route("/v1/trust-anchors", get(admin::list_anchors))
        .route(
            "/v1/trust-anchors/{id}",
            put(admin::put_anchor).delete(admin::delete_anchor),
        )
        .route("/v1/collateral", get(admin::list_collateral))
        .route("/v1/collateral/{kind}", put(admin::put_collateral))
        .route(
            "/v1/collateral/{kind}/{*key}",
            axum::routing::delete(admin::delete_collateral),
        )
        .route("/v1/resources", get(admin::list_resources))
        .route(
            "/v1/resources/{*path}",
            get(api::get_resource)
                .put(admin::put_resource)
                .delete(admin::delete_resource),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(limit, declared_length))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Outermost, so timed-out and refused requests are counted too.
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Why the service cannot start, or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The URL is shown without its password.
    #[error("database {url}: {source}")]
    Database {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS certificate or key ({}, {}): {source}", cert.display(), key.display())]
    Tls {
        cert: PathBuf,
        key: PathBuf,
        #[source]
        source: TlsError,
    },
    #[error("server: {0}")]
    Server(#[source] std::io::Error),
    #[error("server task: {0}")]
    Task(#[source] tokio::task::JoinError),
    #[error("cannot watch for SIGTERM: {0}")]
    Signals(#[source] std::io::Error),
}

/// What is wrong with the configured certificate or key.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} holds no usable PEM {what}: {source}", path.display())]
    Pem {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}

/// A running service.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
}

impl Running {
    /// Stops accepting, finishes requests in flight, and returns.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        self.task.await.map_err(ServeError::Task)?
    }
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

/// The HTTPS listener's configuration: the certificate chain and key of
/// `tls`, with `provider`'s cryptography.
async fn tls_config(
    tls: &TlsConfig,
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ServerConfig, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |path: PathBuf| async move {
        tokio::fs::read(&path)
            .await
            .map_err(|source| TlsError::Read { path, source })
    };
    let pem = |path: &PathBuf, what: &'static str| {
        let path = path.clone();
        move |source| TlsError::Pem { path, what, source }
    };
    let cert_pem = read(tls.cert.clone()).await?;
    let key_pem = zeroize::Zeroizing::new(read(tls.key.clone()).await?);
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem(&tls.cert, "certificate"))?;
    if chain.is_empty() {
        return Err(pem(&tls.cert, "certificate")(
            rustls::pki_types::pem::Error::NoItemsFound,
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(pem(&tls.key, "private key"))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Connects storage, binds, and serves in the background; HTTPS uses
/// [`default_crypto_provider`].
pub async fn start(config: Config) -> Result<Running, ServeError> {
    start_with_provider(config, default_crypto_provider()).await
}

/// [`start`] with the application's choice of crypto provider for HTTPS.
pub async fn start_with_provider(
    config: Config,
    provider: Arc<CryptoProvider>,
) -> Result<Running, ServeError> {
    config.validate()?;
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&config.database_url).await.map_err(
        |source| ServeError::Database {
            url: redact(&config.database_url),
            source,
        },
    )?);
    let state = Arc::new(
        AppState::new(config.clone(), store)
            .await?
            .with_fetcher(provider.clone())?,
    );
    let app = router(state.clone());
    let (shutdown, mut stop) = tokio::sync::watch::channel(false);
    let upkeep = state.clone();
    let mut upkeep_stop = stop.clone();
    tokio::spawn(async move {
        let period = Duration::from_secs(upkeep.config.refresh_seconds);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = upkeep_stop.changed() => return,
            }
            if let Err(e) = upkeep.refresh().await {
                tracing::warn!(target: "secgear::as", "reload failed: {e}");
            }
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            if let Err(e) = upkeep.store.purge_nonces(now).await {
                tracing::warn!(target: "secgear::as", "nonce purge failed: {e}");
            }
        }
    });
    let listen = |source| ServeError::Listen {
        addr: config.listen,
        source,
    };
    let listener = std::net::TcpListener::bind(config.listen).map_err(listen)?;
    listener.set_nonblocking(true).map_err(listen)?;
    let addr = listener.local_addr().map_err(listen)?;
    let task = match &config.tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener).map_err(listen)?;
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await
                    .map_err(ServeError::Server)
            })
        }
        Some(tls) => {
            let server_config =
                tls_config(tls, provider)
                    .await
                    .map_err(|source| ServeError::Tls {
                        cert: tls.cert.clone(),
                        key: tls.key.clone(),
                        source,
                    })?;
            let rustls =
                axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(server_config));
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                let _ = stop.changed().await;
                stopper.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            tokio::spawn(async move {
                axum_server::from_tcp_rustls(listener, rustls)
                    .handle(handle)
                    .serve(app.into_make_service())
                    .await
                    .map_err(ServeError::Server)
            })
        }
    };
    tracing::info!(target: "secgear::as", %addr, tls = config.tls.is_some(), "attestation service listening");
    Ok(Running {
        addr,
        state,
        shutdown,
        task,
    })
}

/// The URL without its password (user info or a `password=` parameter), for messages.
fn redact(url: &str) -> String {
    let url = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    };
    match url.split_once('?') {
        Some((base, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => url,
    }
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully; HTTPS uses
/// [`default_crypto_provider`].
pub async fn serve(config: Config) -> Result<(), ServeError> {
    serve_with_provider(config, default_crypto_provider()).await
}

/// [`serve`] with the application's choice of crypto provider for HTTPS.
pub async fn serve_with_provider(
    config: Config,
    provider: Arc<CryptoProvider>,
) -> Result<(), ServeError> {
    let running = start_with_provider(config, provider).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(ServeError::Signals)?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!(target: "secgear::as", "shutting down");
    running.shutdown().await
}

impl From<std::convert::Infallible> for ApiError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("postgres://user:hunter2@db/as"),
            "postgres://user:***@db/as"
        );
        assert_eq!(super::redact("sqlite://as.db"), "sqlite://as.db");
        assert_eq!(
            super::redact("postgres://db/as?user=u&password=hunter2&sslmode=require"),
            "postgres://db/as?user=u&password=***&sslmode=require"
        );
    }
}
