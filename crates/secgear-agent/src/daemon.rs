//! `secgear-agent serve`: the agent as a local REST daemon, on a Unix socket
//! (mode 0600: its owner only; the recommended form) or on loopback TCP,
//! where any local user can reach it and only requests naming a loopback
//! `Host` are served.
//!
//! - `POST /v1/evidence` `{nonce?, runtime_data?}` (base64) → `{tee, evidence}`
//! - `POST /v1/token` `{runtime_data?, policy_ids?}` → `{token, status}` (the
//!   cached token of active attestation for `{}`)
//! - `POST /v1/verify` `{token}` → the token's claims (checked with the
//!   service's keys), or `{tee, evidence, nonce, runtime_data?}` → an appraisal
//!   (peer-to-peer, with local anchors and reference values)

use crate::active::ActiveAttestation;
use crate::attester::{Attester, report_data};
use crate::client::ServiceClient;
use crate::local::LocalVerifier;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secgear_attest::TeeKind;
use secgear_attest::token::TokenExpectations;
use serde::Deserialize;
use serde_json::{Value, json};
use std::str::FromStr;
use std::sync::Arc;

pub struct Daemon {
    pub attester: Arc<dyn Attester>,
    pub service: Option<Arc<ServiceClient>>,
    pub local: Option<LocalVerifier>,
    pub active: Option<ActiveAttestation>,
}

struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let kind = match self.0 {
            StatusCode::FORBIDDEN => "forbidden",
            s if s.is_client_error() => "bad_request",
            _ => "failed",
        };
        (self.0, Json(json!({"error": kind, "detail": self.1}))).into_response()
    }
}

fn bad(detail: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, detail.into())
}

fn failed(e: crate::AgentError) -> Failure {
    let status = match e {
        crate::AgentError::Invalid(_) => StatusCode::BAD_REQUEST,
        crate::AgentError::Token(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_GATEWAY,
    };
    Failure(status, e.to_string())
}

fn b64_field(v: &Option<String>, name: &str) -> Result<Vec<u8>, Failure> {
    match v {
        Some(text) => {
            secgear_as_api::b64::decode(text).map_err(|_| bad(format!("{name} is not base64")))
        }
        None => Ok(Vec::new()),
    }
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceRequest {
    nonce: Option<String>,
    runtime_data: Option<String>,
}

async fn evidence(
    State(d): State<Arc<Daemon>>,
    body: Body<EvidenceRequest>,
) -> Result<Json<Value>, Failure> {
    let Json(req) = body.map_err(|e| bad(e.body_text()))?;
    let data = report_data(
        &b64_field(&req.nonce, "nonce")?,
        &b64_field(&req.runtime_data, "runtime_data")?,
    );
    let attester = d.attester.clone();
    let tee = attester.tee();
    let evidence = tokio::task::spawn_blocking(move || attester.evidence(&data))
        .await
        .map_err(|e| Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(failed)?;
    Ok(Json(
        json!({"tee": tee.name(), "evidence": secgear_as_api::b64::encode(&evidence)}),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    runtime_data: Option<String>,
    #[serde(default)]
    policy_ids: Vec<String>,
}

async fn token(
    State(d): State<Arc<Daemon>>,
    body: Body<TokenRequest>,
) -> Result<Json<Value>, Failure> {
    let Json(req) = body.map_err(|e| bad(e.body_text()))?;
    if req.runtime_data.is_none()
        && req.policy_ids.is_empty()
        && let Some(active) = &d.active
        && let Some(cached) = active.current().await
    {
        return Ok(Json(
            json!({"token": cached.token, "status": cached.status}),
        ));
    }
    let service = d
        .service
        .as_ref()
        .ok_or_else(|| bad("no attestation service is configured (service_url)"))?;
    let runtime = req
        .runtime_data
        .as_ref()
        .map(|_| b64_field(&req.runtime_data, "runtime_data"))
        .transpose()?;
    let attested = service
        .attest(d.attester.clone(), runtime.as_deref(), &req.policy_ids)
        .await
        .map_err(failed)?;
    Ok(Json(
        json!({"token": attested.token, "status": attested.status}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    token: Option<String>,
    tee: Option<String>,
    evidence: Option<String>,
    nonce: Option<String>,
    runtime_data: Option<String>,
}

async fn verify(
    State(d): State<Arc<Daemon>>,
    body: Body<VerifyRequest>,
) -> Result<Json<Value>, Failure> {
    let Json(req) = body.map_err(|e| bad(e.body_text()))?;
    if let Some(token) = &req.token {
        let service = d
            .service
            .as_ref()
            .ok_or_else(|| bad("no attestation service is configured to check tokens against"))?;
        let expect = TokenExpectations {
            accept_non_affirming: true,
            ..TokenExpectations::default()
        };
        let claims = service.verify_token(token, &expect).await.map_err(failed)?;
        return Ok(Json(json!({
            "status": claims.status().name(),
            "claims": claims,
        })));
    }
    let local = d
        .local
        .as_ref()
        .ok_or_else(|| bad("send {token}, or configure [local] to appraise evidence here"))?;
    let tee = TeeKind::from_str(req.tee.as_deref().unwrap_or_default())
        .map_err(|e| bad(e.to_string()))?;
    let evidence = b64_field(&req.evidence, "evidence")?;
    let nonce = b64_field(&req.nonce, "nonce")?;
    if evidence.is_empty() || nonce.is_empty() {
        return Err(bad("evidence and nonce are required"));
    }
    let runtime = b64_field(&req.runtime_data, "runtime_data")?;
    let appraisal = local
        .appraise(tee, &evidence, &nonce, &runtime)
        .map_err(|e| Failure(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(Json(
        json!({"status": appraisal.status.name(), "appraisal": appraisal}),
    ))
}

fn is_loopback_name(authority: &str) -> bool {
    let name = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// Refuses requests whose `Host` is not this machine's loopback name: a web
/// page that rebinds its own domain to 127.0.0.1 must not reach the agent.
/// A request must name its host once: with two `Host` headers, or an
/// absolute-form target naming another host, a proxy and the agent could
/// each read a different one.
async fn loopback_host(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<Response, Failure> {
    let mut hosts = request.headers().get_all(axum::http::header::HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return Err(bad("a request must carry exactly one Host header"));
    };
    let host = host
        .to_str()
        .map_err(|_| bad("the Host header is not text"))?
        .to_string();
    // The target's host, not its authority: `localhost:1@evil.example`
    // names evil.example.
    if let Some(target) = request.uri().authority()
        && !is_loopback_name(target.host())
    {
        return Err(bad(format!(
            "the request target names {:?}, its Host header {host:?}",
            target.as_str()
        )));
    }
    if !host.contains('@') && is_loopback_name(&host) {
        Ok(next.run(request).await)
    } else {
        Err(Failure(
            StatusCode::FORBIDDEN,
            format!("Host {host:?} is not a loopback name"),
        ))
    }
}

/// Binds a Unix socket at `path` that only its owner can use from the
/// first moment: it is made inside a fresh 0700 directory beside `path`,
/// set to 0600 there, and linked into place, which never replaces a file.
/// A stale socket at `path` is removed first; anything else there is an
/// error, never deleted.
fn bind_private_socket(path: &std::path::Path) -> std::io::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path)?,
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a socket: not replacing it",
                    path.display()
                ),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    // Unpredictable, so nobody can occupy the name first in a shared directory.
    let mut nonce = [0u8; 12];
    aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| std::io::Error::other("no randomness for the socket's staging directory"))?;
    let name: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let private = parent.join(format!(".secgear-agent-{name}.d"));
    std::fs::DirBuilder::new().mode(0o700).create(&private)?;
    let staged = private.join("socket");
    let bound = (|| {
        let listener = tokio::net::UnixListener::bind(&staged)?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
        std::fs::hard_link(&staged, path)?;
        Ok(listener)
    })();
    let _ = std::fs::remove_file(&staged);
    let _ = std::fs::remove_dir(&private);
    bound
}

pub fn router(daemon: Arc<Daemon>) -> Router {
    Router::new()
        .route("/v1/evidence", post(evidence))
        .route("/v1/token", post(token))
        .route("/v1/verify", post(verify))
        .layer(axum::extract::DefaultBodyLimit::max(4 << 20))
        .with_state(daemon)
}

/// Where the daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Tcp(std::net::SocketAddr),
    Unix(std::path::PathBuf),
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    daemon: Arc<Daemon>,
    listen: Listen,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), crate::AgentError> {
    let app = router(daemon);
    let io = |e: std::io::Error| crate::AgentError::Config(format!("listen: {e}"));
    match listen {
        Listen::Tcp(addr) => {
            if !addr.ip().is_loopback() {
                return Err(crate::AgentError::Config(format!(
                    "{addr} is not a loopback address: the agent's API has no authentication"
                )));
            }
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
            let app = app.layer(axum::middleware::from_fn(loopback_host));
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(io)
        }
        Listen::Unix(path) => {
            let listener = bind_private_socket(&path).map_err(io)?;
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(io)
        }
    }
}
