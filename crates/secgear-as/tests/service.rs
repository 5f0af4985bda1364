//! The service end to end over HTTP: provisioning, attestation, replay,
//! wrong references, resources, and the published keys.

mod common;
use common::*;
use reqwest::Method;
use secgear_attest::token::{TokenExpectations, verify_token};
use serde_json::{Value, json};

#[tokio::test]
async fn attestation_affirms_a_known_enclave_and_a_nonce_works_once() {
    let s = start_sqlite().await;
    s.provision().await;
    let nonce = s.challenge().await;
    let body = attest_body(&nonce, b"runtime", MEASUREMENT);
    let (status, reply) = s.attest(&body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "affirming");
    let token = reply["token"].as_str().expect("token");
    let claims = verify_token(
        token,
        &s.jwks().await,
        &TokenExpectations {
            issuer: Some("secgear-as".into()),
            ..Default::default()
        },
    )
    .expect("affirming token verifies against the JWKS");
    assert_eq!(
        claims.runtime_data.as_deref(),
        Some(b64(b"runtime").as_str())
    );

    // Replay: the same nonce again is a conflict, not a token.
    let (status, reply) = s.attest(&body).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["error"], "conflict");
    // A nonce the service never issued.
    let forged = attest_body(&b64(&[9u8; 32]), b"", MEASUREMENT);
    assert_eq!(s.attest(&forged).await.0, 409);
    s.running.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_wrong_measurement_is_not_affirmed_and_bad_evidence_is_422() {
    let s = start_sqlite().await;
    s.provision().await;
    let nonce = s.challenge().await;
    let (status, reply) = s.attest(&attest_body(&nonce, b"", [8; 32])).await;
    assert_eq!(status, 200, "{reply}");
    assert_ne!(reply["status"], "affirming");
    let claims = verify_token(
        reply["token"].as_str().expect("token"),
        &s.jwks().await,
        &TokenExpectations::default(),
    )
    .expect_err("a relying party refuses it by default");
    assert!(claims.to_string().contains("not affirming"), "{claims}");

    // Evidence bound to another nonce: consumed, and not affirmed.
    let nonce = s.challenge().await;
    let other = s.challenge().await;
    let mut body = attest_body(&other, b"", MEASUREMENT);
    body["nonce"] = json!(nonce);
    let (status, reply) = s.attest(&body).await;
    assert_eq!(status, 200, "{reply}");
    assert_ne!(reply["status"], "affirming");

    // Garbage evidence.
    let nonce = s.challenge().await;
    let (status, reply) = s
        .attest(&json!({"tee": "sim", "evidence": b64(b"garbage"), "nonce": nonce}))
        .await;
    assert_eq!(status, 422, "{reply}");
    // The nonce was consumed anyway.
    let (status, _) = s
        .attest(&json!({"tee": "sim", "evidence": b64(b"garbage"), "nonce": nonce}))
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn policies_are_compiled_on_upload_and_used_by_id() {
    let s = start_sqlite().await;
    s.provision().await;
    let broken = json!({"rego": "package secgear.appraisal\ntrust_vector := {"});
    let (status, reply) = s
        .admin(Method::PUT, "/v1/policies/mine", Some(broken))
        .await;
    assert_eq!(status, 400, "{reply}");
    let strict = json!({"rego": "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"executables\": 33}"});
    let (status, reply) = s
        .admin(Method::PUT, "/v1/policies/strict", Some(strict))
        .await;
    assert_eq!(status, 200, "{reply}");
    let (_, listed) = s.admin(Method::GET, "/v1/policies", None).await;
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["id"] == "strict")
    );
    let nonce = s.challenge().await;
    let mut body = attest_body(&nonce, b"", MEASUREMENT);
    body["policy_ids"] = json!(["strict"]);
    let (status, reply) = s.attest(&body).await;
    assert_eq!(
        (status, reply["status"].as_str()),
        (200, Some("warning")),
        "{reply}"
    );
    let (status, _) = s.admin(Method::DELETE, "/v1/policies/strict", None).await;
    assert_eq!(status, 204);
    let nonce = s.challenge().await;
    let mut body = attest_body(&nonce, b"", MEASUREMENT);
    body["policy_ids"] = json!(["strict"]);
    assert_eq!(s.attest(&body).await.0, 422, "a deleted policy is gone");
}

#[tokio::test]
async fn resources_go_only_to_affirmed_tees_encrypted_to_their_key() {
    let s = start_sqlite().await;
    s.provision().await;
    let policy = "package secgear.resource\nimport rego.v1\ndefault allow := false\n\
        allow if input.token.submods.sim[\"secgear.claims\"].measurement == \"0707070707070707070707070707070707070707070707070707070707070707\"";
    let (status, reply) = s
        .admin(
            Method::PUT,
            "/v1/resources/vendor/app/key",
            Some(json!({"content": b64(b"the secret"), "policy": policy})),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let (private, public) = secgear_as::sealing::generate_keypair();
    let runtime =
        json!({"tee-pubkey": {"kty": "OKP", "crv": "X25519", "x": b64(&public)}}).to_string();
    let nonce = s.challenge().await;
    let (_, reply) = s
        .attest(&attest_body(&nonce, runtime.as_bytes(), MEASUREMENT))
        .await;
    let token = reply["token"].as_str().expect("token").to_string();
    let get = |path: &str, token: Option<&str>| {
        let mut req = s.http.get(format!("{}/v1/resources/{path}", s.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let resp = get("vendor/app/key", Some(&token)).await.expect("get");
    assert_eq!(resp.status(), 200);
    let sealed: secgear_as::sealing::SealedResource = resp.json().await.expect("sealed");
    assert_eq!(
        secgear_as::sealing::open(&private, "vendor/app/key", &sealed).expect("open"),
        b"the secret"
    );
    assert_eq!(
        get("vendor/app/key", None).await.expect("get").status(),
        401
    );
    assert_eq!(
        get("vendor/app/key", Some("not.a.token"))
            .await
            .expect("get")
            .status(),
        401
    );
    assert_eq!(
        get("vendor/app/nothing", Some(&token))
            .await
            .expect("get")
            .status(),
        404
    );

    // A token for another enclave is not affirming: refused.
    let nonce = s.challenge().await;
    let (_, reply) = s
        .attest(&attest_body(&nonce, runtime.as_bytes(), [8; 32]))
        .await;
    let wrong = reply["token"].as_str().expect("token");
    assert_eq!(
        get("vendor/app/key", Some(wrong))
            .await
            .expect("get")
            .status(),
        403
    );
}

#[tokio::test]
async fn discovery_health_and_metrics_answer() {
    let s = start_sqlite().await;
    s.provision().await;
    let nonce = s.challenge().await;
    assert_eq!(
        s.attest(&attest_body(&nonce, b"", MEASUREMENT)).await.0,
        200
    );
    for path in [
        "/healthz",
        "/readyz",
        "/v1/openapi.json",
        "/.well-known/jwks.json",
    ] {
        let resp = s
            .http
            .get(format!("{}{path}", s.url))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), 200, "{path}");
    }
    let openapi: Value = s
        .http
        .get(format!("{}/v1/openapi.json", s.url))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(openapi["paths"]["/v1/attest"].is_object());
    let metrics = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("secgear_as_verdicts_total{tee=\"sim\",status=\"affirming\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/v1/attest\""), "{metrics}");
}

#[tokio::test]
async fn expired_nonces_conflict_and_several_policies_are_all_reported() {
    let s = start_sqlite().await;
    s.provision().await;
    let past = time::OffsetDateTime::now_utc().unix_timestamp() - 1;
    let stale = b64(&[5u8; 32]);
    s.running
        .state
        .store
        .insert_nonce(&stale, past)
        .await
        .expect("insert");
    let (status, reply) = s.attest(&attest_body(&stale, b"", MEASUREMENT)).await;
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{reply}"
    );

    let strict = json!({"rego": "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"executables\": 33}"});
    assert_eq!(
        s.admin(Method::PUT, "/v1/policies/strict", Some(strict))
            .await
            .0,
        200
    );
    let nonce = s.challenge().await;
    let mut body = attest_body(&nonce, b"", MEASUREMENT);
    body["policy_ids"] = json!(["default-sim", "strict"]);
    let (status, reply) = s.attest(&body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "warning", "the worst of both: {reply}");
    let claims = verify_token(
        reply["token"].as_str().expect("token"),
        &s.jwks().await,
        &TokenExpectations {
            accept_non_affirming: true,
            ..Default::default()
        },
    )
    .expect("token");
    assert_eq!(claims.submods.len(), 2, "{:?}", claims.submods.keys());
}

#[tokio::test]
async fn resources_refuse_tokens_without_a_key_or_from_elsewhere() {
    let s = start_sqlite().await;
    s.provision().await;
    let open_policy = "package secgear.resource\nimport rego.v1\ndefault allow := true";
    assert_eq!(
        s.admin(
            Method::PUT,
            "/v1/resources/k",
            Some(json!({"content": b64(b"x"), "policy": open_policy}))
        )
        .await
        .0,
        200
    );
    let nonce = s.challenge().await;
    let (_, reply) = s
        .attest(&attest_body(&nonce, b"no key here", MEASUREMENT))
        .await;
    let keyless = reply["token"].as_str().expect("token").to_string();
    let get = |token: String| {
        s.http
            .get(format!("{}/v1/resources/k", s.url))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(get(keyless).await.expect("get").status(), 403);

    // A token from another service (another key) is not this service's.
    let other = start_sqlite().await;
    other.provision().await;
    let nonce = other.challenge().await;
    let (_, reply) = other.attest(&attest_body(&nonce, b"", MEASUREMENT)).await;
    let foreign = reply["token"].as_str().expect("token").to_string();
    assert_eq!(get(foreign).await.expect("get").status(), 401);
}

#[tokio::test]
async fn without_an_admin_token_configured_the_admin_api_is_off() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cfg = config(format!("sqlite://{}", dir.path().join("as.db").display()));
    cfg.admin_token_sha256 = None;
    let s = start_with(cfg).await;
    let (status, reply) = s
        .admin(
            Method::PUT,
            "/v1/policies/p",
            Some(json!({"rego": "package secgear.appraisal"})),
        )
        .await;
    assert_eq!(status, 403, "{reply}");
    assert_eq!(s.admin(Method::GET, "/v1/policies", None).await.0, 403);
    assert!(
        s.running
            .state
            .store
            .get_policy("p")
            .await
            .expect("db")
            .is_none()
    );
}

#[tokio::test]
async fn a_stored_anchor_of_a_tee_this_build_does_not_know_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("as.db").display());
    let s = start_with(config(url.clone())).await;
    s.provision().await;
    // As a newer version sharing the database might have left it.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.expect("open");
    sqlx::query("INSERT INTO trust_anchors (id, tee, data) VALUES ('future', 'moon', 'x')")
        .execute(&pool)
        .await
        .expect("insert");
    pool.close().await;
    let (status, anchors) = s.admin(Method::GET, "/v1/trust-anchors", None).await;
    assert_eq!(status, 200, "{anchors}");
    assert_eq!(anchors, json!([{"id": "sim-platform", "tee": "sim"}]));
    // A change reloads everything from storage, the odd row included.
    let (status, body) = s
        .admin(
            Method::POST,
            "/v1/reference-values",
            Some(json!({"reference_values": [{"name": "sim.measurement", "value": "00"}]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let nonce = s.challenge().await;
    let (status, reply) = s.attest(&attest_body(&nonce, b"", MEASUREMENT)).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "affirming", "{reply}");
    s.running.shutdown().await.expect("shutdown");
}
