//! Malformed, oversized and hostile requests to every endpoint: the right
//! 4xx each time, the service stays up, and nothing is written.

mod common;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

struct Case {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    admin: bool,
    expect: &'static [u16],
}

fn case(
    method: Method,
    path: &str,
    body: Option<&[u8]>,
    admin: bool,
    expect: &'static [u16],
) -> Case {
    Case {
        method,
        path: path.to_string(),
        body: body.map(<[u8]>::to_vec),
        admin,
        expect,
    }
}

async fn snapshot(s: &Service) -> Vec<Value> {
    let mut all = Vec::new();
    for path in [
        "/v1/policies",
        "/v1/reference-values",
        "/v1/trust-anchors",
        "/v1/resources",
    ] {
        let (status, body) = s.admin(Method::GET, path, None).await;
        assert_eq!(status, 200);
        all.push(body);
    }
    all
}

#[tokio::test]
async fn hostile_requests_get_4xx_and_change_nothing() {
    let s = start_sqlite().await;
    s.provision().await;
    let before = snapshot(&s).await;
    let tokens_before = s.running.state.store.token_count().await.expect("count");
    let huge = vec![b'a'; 2 << 20];
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let policy = br#"{"rego": "package secgear.appraisal\ntrust_vector := {}"}"#;
    let anchor =
        br#"{"tee": "sim", "data": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}"#;
    let resource =
        br#"{"content": "aGk", "policy": "package secgear.resource\ndefault allow := true"}"#;
    let refs = br#"{"reference_values": [{"name": "sim.measurement", "value": "00"}]}"#;
    let cases = vec![
        // Admin endpoints without credentials: 401, whatever the body.
        case(Method::PUT, "/v1/policies/p", Some(policy), false, &[401]),
        case(
            Method::DELETE,
            "/v1/policies/default-sim",
            None,
            false,
            &[401],
        ),
        case(Method::GET, "/v1/policies", None, false, &[401]),
        case(Method::GET, "/v1/policies/default-sim", None, false, &[401]),
        case(
            Method::POST,
            "/v1/reference-values",
            Some(refs),
            false,
            &[401],
        ),
        case(Method::GET, "/v1/reference-values", None, false, &[401]),
        case(
            Method::DELETE,
            "/v1/reference-values/sim.measurement",
            None,
            false,
            &[401],
        ),
        case(
            Method::PUT,
            "/v1/trust-anchors/a",
            Some(anchor),
            false,
            &[401],
        ),
        case(
            Method::DELETE,
            "/v1/trust-anchors/sim-platform",
            None,
            false,
            &[401],
        ),
        case(Method::GET, "/v1/trust-anchors", None, false, &[401]),
        case(
            Method::PUT,
            "/v1/resources/x",
            Some(resource),
            false,
            &[401],
        ),
        case(Method::DELETE, "/v1/resources/x", None, false, &[401]),
        case(Method::GET, "/v1/resources", None, false, &[401]),
        // Malformed bodies, with credentials.
        case(Method::PUT, "/v1/policies/p", Some(b"{"), true, &[400]),
        case(
            Method::PUT,
            "/v1/policies/p",
            Some(b"{\"rego\": 5}"),
            true,
            &[400, 422],
        ),
        case(
            Method::PUT,
            "/v1/policies/p",
            Some(br#"{"rego": "package other"}"#),
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/policies/p",
            Some(deep.as_bytes()),
            true,
            &[400, 422],
        ),
        case(
            Method::POST,
            "/v1/reference-values",
            Some(br#"{"reference_values": [{"name": "../x", "value": "00"}]}"#),
            true,
            &[400],
        ),
        case(
            Method::POST,
            "/v1/reference-values",
            Some(br#"{"reference_values": []}"#),
            true,
            &[400],
        ),
        case(
            Method::POST,
            "/v1/reference-values",
            Some(b"[]"),
            true,
            &[400, 422],
        ),
        case(
            Method::DELETE,
            "/v1/reference-values/nothing.here",
            None,
            true,
            &[404],
        ),
        case(
            Method::DELETE,
            "/v1/reference-values/sim.measurement?value=%7B",
            None,
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/trust-anchors/a",
            Some(anchor),
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/trust-anchors/a",
            Some(br#"{"tee": "nope", "data": "x"}"#),
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/resources/x",
            Some(br#"{"content": "%%%", "policy": "package secgear.resource\nallow := true"}"#),
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/resources/x",
            Some(br#"{"content": "aGk", "policy": "package nope"}"#),
            true,
            &[400],
        ),
        // Traversal and odd names.
        case(
            Method::PUT,
            "/v1/policies/..",
            Some(policy),
            true,
            &[400, 404],
        ),
        case(
            Method::PUT,
            "/v1/policies/%2e%2e",
            Some(policy),
            true,
            &[400, 404],
        ),
        case(
            Method::PUT,
            "/v1/resources/a/../../etc/passwd",
            Some(resource),
            true,
            &[400, 404],
        ),
        case(
            Method::PUT,
            "/v1/resources/.hidden",
            Some(resource),
            true,
            &[400],
        ),
        case(
            Method::PUT,
            "/v1/trust-anchors/a%2fb",
            Some(anchor),
            true,
            &[400],
        ),
        // Oversized.
        case(Method::POST, "/v1/attest", Some(&huge), false, &[413]),
        case(Method::PUT, "/v1/policies/p", Some(&huge), true, &[413]),
        // Public endpoints with garbage.
        case(Method::POST, "/v1/attest", Some(b"not json"), false, &[400]),
        case(Method::POST, "/v1/attest", Some(b"{}"), false, &[400, 422]),
        case(
            Method::POST,
            "/v1/attest",
            Some(br#"{"tee": "sim", "evidence": "AA", "nonce": "AA", "extra": 1}"#),
            false,
            &[400, 422],
        ),
        case(
            Method::POST,
            "/v1/attest",
            Some(br#"{"tee": "sim", "evidence": "AA", "nonce": "never-issued"}"#),
            false,
            &[409],
        ),
        case(
            Method::POST,
            "/v1/attest",
            Some(br#"{"tee": "sim", "evidence": "AA", "nonce": "%%%"}"#),
            false,
            &[400],
        ),
        case(Method::GET, "/v1/resources/x", None, false, &[401]),
        case(Method::GET, "/nowhere", None, false, &[404]),
        case(Method::DELETE, "/v1/challenge", None, false, &[405]),
        case(Method::GET, "/v1/attest", None, false, &[405]),
    ];
    for c in cases {
        let mut req = s
            .http
            .request(c.method.clone(), format!("{}{}", s.url, c.path));
        if c.admin {
            req = req.bearer_auth(ADMIN);
        }
        if let Some(body) = c.body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.expect("the service answers");
        let status = resp.status().as_u16();
        assert!(
            c.expect.contains(&status),
            "{} {} → {status}, expected {:?}",
            c.method,
            c.path,
            c.expect
        );
        if status != 405 {
            let body: Value = resp.json().await.expect("errors are JSON");
            assert!(
                body["error"].is_string() && body["detail"].is_string(),
                "{body}"
            );
        }
    }
    // A wrong admin token is refused too.
    let resp = s
        .http
        .put(format!("{}/v1/policies/p", s.url))
        .bearer_auth("not-the-admin")
        .json(&json!({"rego": "package secgear.appraisal"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
    assert_eq!(snapshot(&s).await, before, "nothing was written");
    assert_eq!(
        s.running.state.store.token_count().await.expect("count"),
        tokens_before
    );
    let health = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .expect("up");
    assert_eq!(health.status(), 200);
}

/// Paths exactly as sent, without a client normalising them first.
async fn raw(addr: std::net::SocketAddr, request_line: &str, admin: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = if admin {
        format!("authorization: Bearer {ADMIN}\r\n")
    } else {
        String::new()
    };
    let body = r#"{"rego": "package secgear.appraisal", "content": "aGk", "policy": "x", "tee": "sim", "data": "x"}"#;
    let request = format!(
        "{request_line} HTTP/1.1\r\nhost: x\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line")
}

#[tokio::test]
async fn encoded_traversal_reaching_the_server_is_refused() {
    let s = start_sqlite().await;
    let before = snapshot(&s).await;
    for line in [
        "PUT /v1/policies/%2e%2e",
        "PUT /v1/policies/..%2f..%2fetc",
        "PUT /v1/resources/a/%2e%2e/b",
        "PUT /v1/resources/a/../b",
        "PUT /v1/resources/%2fetc%2fpasswd",
        "PUT /v1/trust-anchors/..",
        "DELETE /v1/resources/a/%2e%2e",
        "GET /v1/resources/%2e%2e/%2e%2e/x",
    ] {
        let status = raw(s.running.addr, line, true).await;
        assert!(matches!(status, 400 | 401 | 404), "{line} → {status}");
    }
    assert_eq!(snapshot(&s).await, before);
}

/// A request that declares a body above the limit and never sends it is
/// answered 413 at once, not 408 once the request timeout has passed.
#[tokio::test]
async fn a_declared_length_above_the_limit_is_refused_without_waiting_for_the_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("dir");
    let s = start_with(secgear_as::Config {
        // Far longer than the read below waits: a 408 cannot pass for a 413.
        request_timeout_ms: 600_000,
        ..config(format!("sqlite://{}", dir.path().join("as.db").display()))
    })
    .await;
    for (method, path) in [("POST", "/v1/attest"), ("PUT", "/v1/policies/p")] {
        let mut stream = tokio::net::TcpStream::connect(s.running.addr)
            .await
            .expect("connect");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {ADMIN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{",
            64 << 20
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut response = vec![0u8; 512];
        let n = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stream.read(&mut response),
        )
        .await
        .expect("an answer before the body arrives")
        .expect("read");
        let text = String::from_utf8_lossy(&response[..n]);
        assert!(text.starts_with("HTTP/1.1 413"), "{method} {path}: {text}");
        assert!(text.contains("too_large") || text.contains("413"), "{text}");
    }
}
