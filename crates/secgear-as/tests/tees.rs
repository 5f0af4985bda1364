//! The service appraises SGX, TDX, SNP and Nitro evidence through its API.
//! A captured vector's report data is fixed, so it cannot carry the
//! service's nonce: every check but freshness passes, freshness fails, and
//! the collateral check passes only once the collateral is uploaded through
//! the admin API.

mod common;

use common::{Service, b64, start_sqlite_with};
use reqwest::Method;
use secgear_attest::Check;
use secgear_attest::token::{EarClaims, TokenExpectations, verify_token};
use serde_json::json;

fn vector(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../secgear-attest/tests/data/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect(path)
}

/// A service that appraises as of `unix`.
async fn at(unix: i64) -> Service {
    start_sqlite_with(|c| {
        c.appraisal_time = Some(time::OffsetDateTime::from_unix_timestamp(unix).expect("time"));
    })
    .await
}

async fn attest(s: &Service, tee: &str, evidence: &[u8]) -> EarClaims {
    let nonce = s.challenge().await;
    let (status, reply) = s
        .attest(&json!({"tee": tee, "nonce": nonce, "evidence": b64(evidence)}))
        .await;
    assert_eq!(status, 200, "{reply}");
    verify_token(
        reply["token"].as_str().expect("token"),
        &s.jwks().await,
        &TokenExpectations {
            accept_non_affirming: true,
            ..Default::default()
        },
    )
    .expect("token")
}

/// The checks of `tee`'s submodule: freshness failed, `pending` as given,
/// every other one ok.
fn assert_checks(claims: &EarClaims, tee: &str, pending: &[(&str, bool)]) {
    let submod = &claims.submods[tee];
    assert_eq!(
        submod.status.name(),
        "contraindicated",
        "a replayed quote is never affirmed"
    );
    for (name, _) in pending {
        assert!(submod.checks.contains_key(*name), "{tee}: no {name} check");
    }
    for (name, check) in &submod.checks {
        if name == "freshness" {
            assert!(matches!(check, Check::Failed(_)), "freshness: {check:?}");
            continue;
        }
        match pending.iter().find(|(n, _)| n == name) {
            Some((_, true)) | None => assert_eq!(check, &Check::Ok, "{tee} {name}: {check:?}"),
            Some((_, false)) => assert!(!check.is_ok(), "{tee} {name}: {check:?}"),
        }
    }
}

#[tokio::test]
async fn intel_and_amd_evidence_is_appraised_once_its_collateral_is_uploaded() {
    // Inside both Intel vectors' collateral windows and the VCEK's validity.
    let s = at(1_752_919_234).await;
    let root = secgear_as::b64::encode_std(&vector("sgx/intel-sgx-root-ca.der"));
    let (code, body) = s
        .admin(
            Method::PUT,
            "/v1/trust-anchors/intel-root",
            Some(json!({"tee": "sgx", "data": root})),
        )
        .await;
    assert_eq!(code, 200, "{body}");

    let dependent = [
        ("collateral", false),
        ("qe_identity", false),
        ("tcb", false),
    ];
    let sgx = attest(&s, "sgx", &vector("sgx/sgx_quote")).await;
    assert_checks(&sgx, "sgx", &dependent);
    let tdx = attest(&s, "tdx", &vector("tdx/tdx_quote")).await;
    assert_checks(
        &tdx,
        "tdx",
        &[dependent.as_slice(), &[("td_attributes", false)]].concat(),
    );
    let snp_report = hex::decode(
        String::from_utf8(vector("snp/report_milan.hex"))
            .expect("text")
            .trim(),
    )
    .expect("hex");
    let snp = attest(&s, "snp", &snp_report).await;
    assert_checks(
        &snp,
        "snp",
        &[
            ("collateral", false),
            ("endorsement", false),
            ("signature", false),
            ("tcb", false),
        ],
    );

    for (kind, data) in [
        (
            "intel",
            String::from_utf8(vector("sgx/sgx_quote_collateral.json")).expect("utf8"),
        ),
        (
            "intel",
            String::from_utf8(vector("tdx/tdx_quote_collateral.json")).expect("utf8"),
        ),
        (
            "amd",
            secgear_as::b64::encode_std(&vector("snp/vcek_milan.der")),
        ),
    ] {
        let (code, body) = s
            .admin(
                Method::PUT,
                &format!("/v1/collateral/{kind}"),
                Some(json!({"data": data})),
            )
            .await;
        assert_eq!(code, 200, "{body}");
    }
    let (_, listed) = s.admin(Method::GET, "/v1/collateral", None).await;
    let keys: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["key"].as_str())
        .collect();
    assert!(
        keys.contains(&"sgx/00a067110000") && keys.contains(&"tdx/b0c06f000000"),
        "{listed}"
    );

    let sgx = attest(&s, "sgx", &vector("sgx/sgx_quote")).await;
    assert_checks(&sgx, "sgx", &[]);
    assert_eq!(
        sgx.submods["sgx"].claims["tcb_status"],
        "ConfigurationAndSWHardeningNeeded"
    );
    let tdx = attest(&s, "tdx", &vector("tdx/tdx_quote")).await;
    assert_checks(&tdx, "tdx", &[]);
    assert_eq!(tdx.submods["tdx"].claims["tcb_status"], "UpToDate");
    let snp = attest(&s, "snp", &snp_report).await;
    assert_checks(&snp, "snp", &[]);

    // Bad collateral is refused with the reason; deleting it takes it away.
    let (code, body) = s
        .admin(
            Method::PUT,
            "/v1/collateral/intel",
            Some(json!({"data": "{}"})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = s
        .admin(
            Method::PUT,
            "/v1/collateral/moon",
            Some(json!({"data": "x"})),
        )
        .await;
    assert_eq!(code, 400, "{body}");
    let (code, _) = s
        .admin(
            Method::DELETE,
            "/v1/collateral/intel/sgx/00a067110000",
            None,
        )
        .await;
    assert_eq!(code, 204);
    let sgx = attest(&s, "sgx", &vector("sgx/sgx_quote")).await;
    assert_checks(&sgx, "sgx", &dependent);
}

#[tokio::test]
async fn nitro_documents_are_appraised_against_the_uploaded_root() {
    // The document's own time (2023-09-18T15:03:30Z).
    let s = at(1_695_049_410).await;
    let doc = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        String::from_utf8(vector("nitro/valid-attestation-doc-base64"))
            .expect("text")
            .trim(),
    )
    .expect("b64");
    let before = attest(&s, "nitro", &doc).await;
    assert_checks(&before, "nitro", &[("endorsement", false)]);
    let root = String::from_utf8(vector("nitro/aws-nitro-root.pem")).expect("pem");
    let (code, body) = s
        .admin(
            Method::PUT,
            "/v1/trust-anchors/aws-nitro",
            Some(json!({"tee": "nitro", "data": root})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let after = attest(&s, "nitro", &doc).await;
    assert_checks(&after, "nitro", &[]);
}

/// Evidence signed by test keys carries what the service asks for:
/// report data / nonce `SHA-256(nonce ‖ runtime_data)`, so the service's
/// freshness and runtime-data binding is exercised for SGX, TDX, SNP and
/// Nitro.
#[tokio::test]
async fn evidence_of_each_tee_bound_to_the_challenge_and_runtime_data_is_affirmed() {
    use secgear_attest::testing::{
        IntelPlatform, SnpPlatform, intel_pki, nitro_document, nitro_pki, snp_pki, snp_report,
    };
    let s = common::start_sqlite().await;
    let platform = SnpPlatform::default();
    let snp = snp_pki(&platform);
    let nitro = nitro_pki();
    let intel = intel_pki(IntelPlatform::default());
    for (id, tee, root) in [
        ("test-intel", "sgx", &intel.root_der),
        ("test-ark", "snp", &snp.root_der),
        ("test-nitro", "nitro", &nitro.root_der),
    ] {
        let (code, body) = s
            .admin(
                Method::PUT,
                &format!("/v1/trust-anchors/{id}"),
                Some(json!({"tee": tee, "data": secgear_as::b64::encode_std(root)})),
            )
            .await;
        assert_eq!(code, 200, "{body}");
    }
    let (code, body) = s
        .admin(
            Method::POST,
            "/v1/reference-values",
            Some(json!({"reference_values": [
                {"name": "sgx.mrenclave", "value": hex::encode([1u8; 32])},
                {"name": "tdx.mrtd", "value": hex::encode([2u8; 48])},
                {"name": "snp.measurement", "value": hex::encode([9u8; 48])},
                {"name": "nitro.pcr0", "value": hex::encode([4u8; 48])},
            ]})),
        )
        .await;
    assert_eq!(code, 201, "{body}");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for tee in [secgear_attest::TeeKind::Sgx, secgear_attest::TeeKind::Tdx] {
        let collateral = intel.collateral(tee, now - 3600, now + 3600);
        let (code, body) = s
            .admin(
                Method::PUT,
                "/v1/collateral/intel",
                Some(json!({"data": serde_json::to_string(&collateral).expect("json")})),
            )
            .await;
        assert_eq!(code, 200, "{body}");
    }

    let runtime_data = br#"{"purpose":"binding test"}"#;
    // Formats: a TEE's name, or `tdx-v5` for TDX quote v5 (TD report 1.5).
    let evidence_for = |format: &str, nonce: &str, bound_to: &[u8]| -> Vec<u8> {
        let nonce = secgear_as::b64::decode(nonce).expect("nonce");
        let challenge = secgear_tee_key::expected_challenge(&nonce, bound_to);
        let mut report_data = [0u8; 64];
        report_data[..challenge.len()].copy_from_slice(&challenge);
        match format {
            "sgx" => intel.sgx_quote(&report_data, &[1; 32]),
            "tdx" => intel.tdx_quote(&report_data, &[2; 48]),
            "tdx-v5" => intel.tdx_quote_v5(&report_data, &[2; 48]),
            "snp" => {
                let report = snp_report(&snp, &platform, &report_data, &[9; 48]);
                let envelope = secgear_attest::envelope::Envelope {
                    evidence: report,
                    cert_chain: vec![snp.leaf_der.clone()],
                    ..Default::default()
                };
                serde_json::to_vec(&envelope.to_json()).expect("json")
            }
            _ => {
                let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() as u64 * 1000;
                nitro_document(&nitro, &challenge, None, &[4; 48], now_ms)
            }
        }
    };
    for format in ["sgx", "tdx", "tdx-v5", "snp", "nitro"] {
        let tee = format.trim_end_matches("-v5");
        let nonce = s.challenge().await;
        let (status, reply) = s
            .attest(&json!({
                "tee": tee, "nonce": nonce,
                "evidence": b64(&evidence_for(format, &nonce, runtime_data)),
                "runtime_data": b64(runtime_data),
            }))
            .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply["status"], "affirming", "{format}: {reply}");
        let claims = verify_token(
            reply["token"].as_str().expect("token"),
            &s.jwks().await,
            &TokenExpectations::default(),
        )
        .expect("an affirming token");
        let submod = &claims.submods[tee];
        assert!(
            submod.checks.values().all(Check::is_ok),
            "{tee}: {:?}",
            submod.checks
        );
        assert_eq!(
            claims.runtime_data.as_deref(),
            Some(secgear_attest::encoding::b64url_encode(runtime_data).as_str())
        );

        // Evidence bound to other runtime data than the request names is refused.
        let nonce = s.challenge().await;
        let (_, reply) = s
            .attest(&json!({
                "tee": tee, "nonce": nonce,
                "evidence": b64(&evidence_for(format, &nonce, b"something else")),
                "runtime_data": b64(runtime_data),
            }))
            .await;
        assert_eq!(reply["status"], "contraindicated", "{format}: {reply}");
        let claims = attest_claims(reply["token"].as_str().expect("token"), &s).await;
        assert!(matches!(
            claims.submods[tee].checks["freshness"],
            Check::Failed(_)
        ));
    }
}

async fn attest_claims(token: &str, s: &Service) -> EarClaims {
    verify_token(
        token,
        &s.jwks().await,
        &TokenExpectations {
            accept_non_affirming: true,
            ..Default::default()
        },
    )
    .expect("token")
}

/// A PCCS and an AMD KDS on 127.0.0.1, serving the vectors' collateral in
/// their APIs' formats; `down` makes every request fail.
struct MockSources {
    url: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

async fn mock_sources() -> MockSources {
    use axum::extract::{Path, Query};
    use axum::http::{HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let requests = std::sync::Arc::new(AtomicUsize::new(0));
    let down = std::sync::Arc::new(AtomicBool::new(false));
    let sgx: serde_json::Value =
        serde_json::from_slice(&vector("sgx/sgx_quote_collateral.json")).expect("json");
    let tdx: serde_json::Value =
        serde_json::from_slice(&vector("tdx/tdx_quote_collateral.json")).expect("json");
    let vcek = vector("snp/vcek_milan.der");
    let chain_header = |pem: &serde_json::Value| {
        let encoded = percent_encoding::utf8_percent_encode(
            pem.as_str().expect("pem"),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        HeaderValue::from_str(&encoded).expect("header")
    };
    let pick = move |tee: &str| {
        if tee == "tdx" {
            tdx.clone()
        } else {
            sgx.clone()
        }
    };
    let (r1, d1) = (requests.clone(), down.clone());
    let guard = move || {
        r1.fetch_add(1, Ordering::SeqCst);
        !d1.load(Ordering::SeqCst)
    };
    let g = guard.clone();
    let p = pick.clone();
    // Per issuing CA, as PCCS serves them: the SGX vector's PCK is from the
    // Processor CA, the TDX vector's from the Platform CA.
    let pck_crl = move |ca: &str| {
        let c = p(if ca == "platform" { "tdx" } else { "sgx" });
        let (g, body) = (
            g(),
            hex::decode(c["pck_crl"].as_str().expect("crl")).expect("hex"),
        );
        if !g {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            "SGX-PCK-CRL-Issuer-Chain",
            chain_header(&c["pck_crl_issuer_chain"]),
        );
        (headers, body).into_response()
    };
    let g = guard.clone();
    let p = pick.clone();
    let root_crl = move || {
        let c = p("sgx");
        if !g() {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        c["root_ca_crl"]
            .as_str()
            .expect("crl")
            .to_owned()
            .into_response()
    };
    // TCB info and QE identity answer alike: the signed body under its
    // PCS field name, its signature, and the issuer chain in a header.
    let (sg, sp) = (guard.clone(), pick.clone());
    let signed = move |field: &'static str, body: &'static str, header: &'static str| {
        let (g, p) = (sg.clone(), sp.clone());
        move |Path(tee): Path<String>| {
            let c = p(&tee);
            let ok = g();
            async move {
                if !ok {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
                let text = format!(
                    r#"{{"{body}":{},"signature":"{}"}}"#,
                    c[field].as_str().expect("body"),
                    c[format!("{field}_signature")].as_str().expect("signature")
                );
                let mut headers = HeaderMap::new();
                headers.insert(header, chain_header(&c[format!("{field}_issuer_chain")]));
                (headers, text).into_response()
            }
        }
    };
    let tcb = signed("tcb_info", "tcbInfo", "TCB-Info-Issuer-Chain");
    let qe = signed(
        "qe_identity",
        "enclaveIdentity",
        "SGX-Enclave-Identity-Issuer-Chain",
    );
    let g = guard.clone();
    let kds = move |Path((product, _hwid)): Path<(String, String)>| {
        let ok = g();
        let vcek = vcek.clone();
        async move {
            match (ok, product.as_str()) {
                (false, _) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                (true, "Milan") => vcek.into_response(),
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/sgx/certification/v4/pckcrl",
            axum::routing::get(
                move |Query(q): Query<std::collections::HashMap<String, String>>| {
                    let r: Response = pck_crl(q.get("ca").map(String::as_str).unwrap_or_default());
                    async move { r }
                },
            ),
        )
        .route(
            "/sgx/certification/v4/rootcacrl",
            axum::routing::get(move || {
                let r: Response = root_crl();
                async move { r }
            }),
        )
        .route("/{tee}/certification/v4/tcb", axum::routing::get(tcb))
        .route(
            "/{tee}/certification/v4/qe/identity",
            axum::routing::get(qe),
        )
        .route("/vcek/v1/{product}/{hwid}", axum::routing::get(kds));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    MockSources {
        url,
        requests,
        down,
    }
}

#[tokio::test]
async fn missing_collateral_is_fetched_from_the_configured_sources_cached_and_served_when_they_are_down()
 {
    use std::sync::atomic::Ordering;
    let sources = mock_sources().await;
    let s = start_sqlite_with(|c| {
        c.appraisal_time =
            Some(time::OffsetDateTime::from_unix_timestamp(1_752_919_234).expect("t"));
        c.collateral.intel_url = Some(sources.url.clone());
        c.collateral.amd_url = Some(sources.url.clone());
    })
    .await;
    let root = secgear_as::b64::encode_std(&vector("sgx/intel-sgx-root-ca.der"));
    let (code, body) = s
        .admin(
            Method::PUT,
            "/v1/trust-anchors/intel-root",
            Some(json!({"tee": "sgx", "data": root})),
        )
        .await;
    assert_eq!(code, 200, "{body}");

    let sgx = attest(&s, "sgx", &vector("sgx/sgx_quote")).await;
    assert_checks(&sgx, "sgx", &[]);
    let fetched = sources.requests.load(Ordering::SeqCst);
    assert_eq!(fetched, 4, "PCK CRL, TCB info, QE identity, root CA CRL");
    let (_, listed) = s.admin(Method::GET, "/v1/collateral", None).await;
    assert!(
        listed.to_string().contains("sgx/00a067110000"),
        "stored as the cache: {listed}"
    );

    // Cached until its nextUpdate: no second fetch, and none needed while
    // the source is down.
    sources.down.store(true, Ordering::SeqCst);
    let again = attest(&s, "sgx", &vector("sgx/sgx_quote")).await;
    assert_checks(&again, "sgx", &[]);
    assert_eq!(sources.requests.load(Ordering::SeqCst), fetched);

    // Nothing cached and the source down: the collateral check says so...
    let tdx = attest(&s, "tdx", &vector("tdx/tdx_quote")).await;
    assert_checks(
        &tdx,
        "tdx",
        &[
            ("collateral", false),
            ("qe_identity", false),
            ("tcb", false),
            ("td_attributes", false),
        ],
    );
    // ...and once it is back, the collateral is fetched.
    sources.down.store(false, Ordering::SeqCst);
    let tdx = attest(&s, "tdx", &vector("tdx/tdx_quote")).await;
    assert_checks(&tdx, "tdx", &[]);

    // SNP: the VCEK for the report's chip and TCB, from KDS.
    let report = hex::decode(
        String::from_utf8(vector("snp/report_milan.hex"))
            .expect("text")
            .trim(),
    )
    .expect("hex");
    let snp = attest(&s, "snp", &report).await;
    assert_checks(&snp, "snp", &[]);
}
