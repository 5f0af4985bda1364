//! The agent against a real attestation service and a real sim enclave:
//! service mode, resources, peer-to-peer mode, the daemon, active attestation.

use p384::pkcs8::EncodePublicKey;
use secgear_agent::daemon::{Daemon, Listen};
use secgear_agent::{ActiveAttestation, Attester, LocalVerifier, ServiceClient, SimAttester};
use secgear_attest::token::TokenExpectations;
use secgear_host::{Enclave, SimPlatform, TeeType};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const ADMIN: &str = "agent-test-admin";

struct World {
    _dir: tempfile::TempDir,
    sim_dir: std::path::PathBuf,
    service: secgear_as::Running,
    url: String,
    enclave: Arc<Enclave>,
    attester: Arc<dyn Attester>,
}

async fn admin(url: &str, method: reqwest::Method, path: &str, body: Value) -> u16 {
    reqwest::Client::new()
        .request(method, format!("{url}{path}"))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .expect("admin")
        .status()
        .as_u16()
}

async fn world(measurement: &str) -> World {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().expect("dir");
    let sim_dir = dir.path().join("sim");
    let config = secgear_as::Config::development(
        format!("sqlite://{}", dir.path().join("as.db").display()),
        ADMIN,
    );
    let service = secgear_as::start(config).await.expect("service");
    let url = format!("http://{}", service.addr);
    let platform = SimPlatform::open(&sim_dir).expect("platform");
    let pem = platform
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    assert_eq!(
        admin(
            &url,
            reqwest::Method::PUT,
            "/v1/trust-anchors/sim",
            json!({"tee": "sim", "data": pem})
        )
        .await,
        200
    );
    assert_eq!(
        admin(
            &url,
            reqwest::Method::POST,
            "/v1/reference-values",
            json!({"reference_values": [{"name": "sim.measurement", "value": measurement}]}),
        )
        .await,
        201
    );
    let enclave_dir = sim_dir.clone();
    let enclave = tokio::task::spawn_blocking(move || {
        Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
            .tee(TeeType::Sim)
            .debug(true)
            .threads(2)
            .options(secgear_host::SimOptions::default().state_dir(enclave_dir))
            .create()
            .expect("enclave")
    })
    .await
    .expect("join");
    let enclave = Arc::new(enclave);
    World {
        _dir: dir,
        sim_dir,
        service,
        url,
        attester: Arc::new(SimAttester::new(enclave.clone())),
        enclave,
    }
}

fn known() -> String {
    hex::encode(secgear_sim_tests::ENCLAVE_MEASUREMENT)
}

#[tokio::test(flavor = "multi_thread")]
async fn service_mode_attests_the_enclave_and_only_the_enclave_opens_its_resource() {
    let w = world(&known()).await;
    let client = ServiceClient::new(&w.url).expect("client");
    let attested = client
        .attest_tee_key(w.attester.clone(), &[])
        .await
        .expect("attest with the enclave's own key");
    assert_eq!(attested.status, "affirming");
    let claims = client
        .verify_token(&attested.token, &TokenExpectations::default())
        .await
        .expect("verifies against the service's keys");
    assert_eq!(claims.submods["sim"].claims["measurement"], known());

    let policy = "package secgear.resource\nimport rego.v1\ndefault allow := false\nallow if input.token.submods.sim[\"ear.status\"] == \"affirming\"";
    assert_eq!(
        admin(
            &w.url,
            reqwest::Method::PUT,
            "/v1/resources/app/db-key",
            json!({"content": secgear_as::b64::encode(b"db password"), "policy": policy})
        )
        .await,
        200
    );
    let sealed = client
        .sealed_resource(&attested.token, "app/db-key")
        .await
        .expect("released");
    // The host relays it but holds no key that opens it.
    let (host_guess, _) = secgear_as::sealing::generate_keypair();
    assert!(secgear_as::sealing::open(&host_guess, "app/db-key", &sealed).is_err());
    // The enclave does.
    let (enc, ct) = sealed.parts().expect("parts");
    let mut plain = vec![0u8; 64];
    let mut len = 0usize;
    let path = std::ffi::CString::new("app/db-key").expect("path");
    let enclave = w.enclave.clone();
    let status = tokio::task::spawn_blocking(move || {
        secgear_sim_tests::edl::Client::new(&*enclave)
            .open_resource(&path, &enc, &ct, &mut plain, &mut len)
            .map(|s| (s, plain, len))
    })
    .await
    .expect("join")
    .expect("ECALL");
    assert_eq!(status.0, 0);
    assert_eq!(&status.1[..status.2], b"db password");

    // A key the host chose cannot be passed off as the enclave's: the
    // enclave's runtime refuses to sign report data under the TEE-key tag.
    let (_, public) = secgear_as::sealing::generate_keypair();
    let runtime = secgear_as::sealing::runtime_data(&public);
    let err = client
        .attest(w.attester.clone(), Some(&runtime), &[])
        .await
        .expect_err("the host cannot bind its own key");
    assert!(err.to_string().contains("access denied"), "{err}");
    w.service.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_reference_value_gives_a_token_relying_parties_refuse() {
    let w = world(&"ab".repeat(32)).await;
    let client = ServiceClient::new(&w.url).expect("client");
    let attested = client
        .attest(w.attester.clone(), None, &[])
        .await
        .expect("attest");
    assert_ne!(attested.status, "affirming");
    let err = client
        .verify_token(&attested.token, &TokenExpectations::default())
        .await
        .expect_err("not affirming");
    assert!(err.to_string().contains("not affirming"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn peer_to_peer_mode_appraises_locally() {
    let w = world(&known()).await;
    let pem_path = w.sim_dir.join("anchor.pem");
    let pem = SimPlatform::open(&w.sim_dir)
        .expect("platform")
        .public_key()
        .to_public_key_pem(p384::pkcs8::LineEnding::LF)
        .expect("pem");
    std::fs::write(&pem_path, pem).expect("write");
    let refs = w.sim_dir.join("refs.json");
    std::fs::write(
        &refs,
        json!({"reference_values": [{"name": "sim.measurement", "value": known()}]}).to_string(),
    )
    .expect("write");
    let local = LocalVerifier::from_files(
        &[(secgear_attest::TeeKind::Sim, pem_path.as_path())],
        Some(&refs),
        secgear_attest::Mode::Development,
    )
    .expect("local");
    let attester = w.attester.clone();
    let (appraisal, key_bound, key_replayed) = tokio::task::spawn_blocking(move || {
        let plain = local.attest_locally(attester.as_ref());
        // Evidence binding the enclave's own key carries the TEE-key tag in
        // its report data; a peer checks it against the same nonce.
        let nonce = [5u8; 32];
        let (runtime, evidence) = attester.key_evidence(&nonce).expect("key evidence");
        let bound = local.appraise(attester.tee(), &evidence, &nonce, &runtime);
        let replayed = local.appraise(attester.tee(), &evidence, &[6u8; 32], &runtime);
        (plain, bound, replayed)
    })
    .await
    .expect("join");
    assert_eq!(appraisal.expect("appraise").status.name(), "affirming");
    assert_eq!(key_bound.expect("appraise").status.name(), "affirming");
    assert_ne!(key_replayed.expect("appraise").status.name(), "affirming");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_serves_evidence_tokens_and_verification_on_a_unix_socket() {
    let w = world(&known()).await;
    let client = Arc::new(ServiceClient::new(&w.url).expect("client"));
    let active = ActiveAttestation::start(
        client.clone(),
        w.attester.clone(),
        None,
        Duration::from_secs(60),
    );
    let daemon = Arc::new(Daemon {
        attester: w.attester.clone(),
        service: Some(client),
        local: None,
        active: Some(active),
    });
    let socket = w.sim_dir.join("agent.sock");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(secgear_agent::daemon::serve(
        daemon.clone(),
        Listen::Unix(socket.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let post = |path: &'static str, body: Value| unix_post(socket.clone(), path, body);
    let evidence = post(
        "/v1/evidence",
        json!({"nonce": secgear_as::b64::encode(b"n")}),
    )
    .await;
    assert_eq!(evidence["tee"], "sim", "{evidence}");
    let token = post(
        "/v1/token",
        json!({"runtime_data": secgear_as::b64::encode(b"x")}),
    )
    .await;
    assert_eq!(token["status"], "affirming", "{token}");
    let verified = post("/v1/verify", json!({"token": token["token"]})).await;
    assert_eq!(verified["status"], "affirming", "{verified}");
    let bad = post("/v1/verify", json!({"token": "garbage"})).await;
    assert!(bad["error"].is_string(), "{bad}");
    // Active attestation fills the cache; an empty token request returns it.
    for _ in 0..100 {
        if daemon
            .active
            .as_ref()
            .expect("active")
            .current()
            .await
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cached = post("/v1/token", json!({})).await;
    assert_eq!(cached["status"], "affirming", "{cached}");
    let _ = stop.send(());
    server.await.expect("join").expect("served");
}

/// One HTTP/1.1 request over a Unix socket; the JSON body of the answer.
async fn unix_post(socket: std::path::PathBuf, path: &str, body: Value) -> Value {
    let stream = tokio::net::UnixStream::connect(&socket)
        .await
        .expect("connect");
    let body = body.to_string();
    let head = format!("POST {path} HTTP/1.1\r\nhost: agent\r\n");
    exchange(stream, &head, &body).await.1
}

/// Sends `head` (request line and headers) and a JSON `body` as written,
/// without a client normalising anything; the status and JSON body of the
/// answer.
async fn exchange(
    mut stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    head: &str,
    body: &str,
) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!(
        "{head}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

/// How often the service's JWKS was fetched, from its own metrics.
async fn jwks_fetches(url: &str) -> u64 {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find(|l| {
            l.starts_with("secgear_as_requests_total")
                && l.contains("jwks.json")
                && l.contains("status=\"200\"")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn service_keys_are_cached_and_fetched_again_for_an_unknown_key_id() {
    let w = world(&known()).await;
    let client = ServiceClient::new(&w.url)
        .expect("client")
        .jwks_refetch_after(Duration::ZERO);
    let attested = client
        .attest(w.attester.clone(), None, &[])
        .await
        .expect("attest");
    let expect = TokenExpectations::default();
    client
        .verify_token(&attested.token, &expect)
        .await
        .expect("verify");
    client
        .verify_token(&attested.token, &expect)
        .await
        .expect("verify again");
    assert_eq!(
        jwks_fetches(&w.url).await,
        1,
        "the second check used the cache"
    );
    // A token signed by a key the service never published.
    let other =
        secgear_attest::token::TokenSigner::generate(jsonwebtoken::Algorithm::ES256).expect("key");
    let claims = client
        .verify_token(&attested.token, &expect)
        .await
        .expect("claims");
    let foreign = other.sign(&claims).expect("sign");
    let err = client
        .verify_token(&foreign, &expect)
        .await
        .expect_err("unknown key");
    assert!(err.to_string().contains("unknown key id"), "{err}");
    assert_eq!(
        jwks_fetches(&w.url).await,
        2,
        "an unknown kid made it fetch the keys again"
    );
    // With the default interval, a burst of made-up key ids fetches nothing more.
    let throttled = ServiceClient::new(&w.url).expect("client");
    throttled
        .verify_token(&attested.token, &expect)
        .await
        .expect("verify");
    for _ in 0..5 {
        assert!(throttled.verify_token(&foreign, &expect).await.is_err());
    }
    assert_eq!(
        jwks_fetches(&w.url).await,
        3,
        "one fetch to fill the cache, none for the burst"
    );
}

/// A daemon that only hands out evidence (no service, no local verifier).
fn evidence_only_daemon(w: &World) -> Arc<Daemon> {
    Arc::new(Daemon {
        attester: w.attester.clone(),
        service: None,
        local: None,
        active: None,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tcp_daemon_stays_on_loopback_and_refuses_foreign_host_names() {
    let w = world(&known()).await;
    let daemon = evidence_only_daemon(&w);
    let public = secgear_agent::daemon::serve(
        daemon.clone(),
        Listen::Tcp("0.0.0.0:0".parse().expect("addr")),
        async {},
    )
    .await;
    assert!(public.is_err(), "a non-loopback address is refused");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(secgear_agent::daemon::serve(
        daemon,
        Listen::Tcp(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
        async {
            let _ = stopped.await;
        },
    ));
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/v1/evidence");
    let mut ok = None;
    for _ in 0..100 {
        if let Ok(resp) = client.post(&url).json(&json!({})).send().await {
            ok = Some(resp.status().as_u16());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ok, Some(200));
    let rebound = client
        .post(&url)
        .header("host", "attacker.example:80")
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(rebound.status(), 403, "DNS rebinding is refused");
    let body: Value = rebound.json().await.expect("json");
    assert_eq!(body["error"], "forbidden", "{body}");
    let addr = format!("127.0.0.1:{port}");
    // Two Host headers, or a target naming another host: which one a proxy
    // and the agent each read could differ.
    for head in [
        format!("POST /v1/evidence HTTP/1.1\r\nhost: {addr}\r\nhost: attacker.example\r\n"),
        format!("POST /v1/evidence HTTP/1.1\r\nhost: attacker.example\r\nhost: {addr}\r\n"),
        format!("POST http://attacker.example/v1/evidence HTTP/1.1\r\nhost: {addr}\r\n"),
        format!("POST http://attacker.example:{port}/v1/evidence HTTP/1.1\r\nhost: {addr}\r\n"),
        format!(
            "POST http://localhost:1@attacker.example/v1/evidence HTTP/1.1\r\nhost: {addr}\r\n"
        ),
        format!("POST http://[::1]@attacker.example/v1/evidence HTTP/1.1\r\nhost: {addr}\r\n"),
    ] {
        let (status, body) = raw_tcp(&addr, &head).await;
        assert_eq!(status, 400, "{head:?} → {status} {body}");
        assert_eq!(body["error"], "bad_request", "{body}");
    }
    let (status, _) = raw_tcp(
        &addr,
        &format!("POST http://{addr}/v1/evidence HTTP/1.1\r\nhost: {addr}\r\n"),
    )
    .await;
    assert_eq!(
        status, 200,
        "an absolute-form target naming this host is fine"
    );
    let _ = stop.send(());
    server.await.expect("join").expect("served");
}

/// `head` with an empty JSON body, over TCP to `addr`.
async fn raw_tcp(addr: &str, head: &str) -> (u16, Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    exchange(stream, head, "{}").await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_unix_socket_is_private_and_never_replaces_another_file() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let w = world(&known()).await;
    let daemon = evidence_only_daemon(&w);
    let dir = tempfile::tempdir().expect("dir");
    // A file that is not a socket stays, and the daemon says why it stops.
    let precious = dir.path().join("precious");
    std::fs::write(&precious, b"keep me").expect("write");
    let refused =
        secgear_agent::daemon::serve(daemon.clone(), Listen::Unix(precious.clone()), async {})
            .await
            .expect_err("not a socket");
    assert!(refused.to_string().contains("not a socket"), "{refused}");
    assert_eq!(std::fs::read(&precious).expect("still there"), b"keep me");

    // A stale socket is replaced; the new one is 0600 and nothing is left
    // of the staging directory.
    let socket = dir.path().join("agent.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("stale socket"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(secgear_agent::daemon::serve(
        daemon,
        Listen::Unix(socket.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    let mut answer = Value::Null;
    for _ in 0..100 {
        if tokio::net::UnixStream::connect(&socket).await.is_ok() {
            answer = unix_post(socket.clone(), "/v1/evidence", json!({})).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answer["tee"], "sim", "{answer}");
    let meta = std::fs::symlink_metadata(&socket).expect("socket");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let _ = stop.send(());
    server.await.expect("join").expect("served");
}
