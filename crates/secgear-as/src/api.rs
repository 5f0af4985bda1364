//! The public endpoints: challenges, attestation, keys, health, metrics, and
//! attested resource release.

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use secgear_as_api::{AttestRequest, AttestResponse, Challenge};
use secgear_attest::appraise::AppraiseError;
use secgear_attest::token::{TokenError, TokenExpectations, verify_token};
use secgear_attest::{Freshness, TeeKind, VerifyError};
use std::str::FromStr;
use std::sync::Arc;

pub type Shared = State<Arc<AppState>>;

/// Most policies one attestation may name.
const MAX_POLICIES: usize = 8;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Issues a single-use nonce.
#[utoipa::path(post, path = "/v1/challenge", responses(
    (status = 200, body = Challenge)))]
pub async fn challenge(State(state): Shared) -> Result<Json<Challenge>, ApiError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| ApiError::Internal("no randomness".into()))?;
    let nonce = crate::b64::encode(&bytes);
    let expires = now() + state.config.nonce_ttl_seconds;
    state.store.insert_nonce(&nonce, expires).await?;
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    Ok(Json(Challenge { nonce, expires_at }))
}

fn appraise_error(e: AppraiseError) -> ApiError {
    match e {
        AppraiseError::Evidence(VerifyError::Unsupported(tee)) => {
            ApiError::BadRequest(format!("no verifier for {tee}"))
        }
        AppraiseError::Evidence(e) => ApiError::Unprocessable(e.to_string()),
        AppraiseError::Policy(e) => ApiError::Unprocessable(format!("policy: {e}")),
        AppraiseError::Token(e) => ApiError::Internal(e.to_string()),
    }
}

/// Verifies evidence bound to a nonce and issues an EAR token.
#[utoipa::path(post, path = "/v1/attest", request_body = AttestRequest, responses(
    (status = 200, body = AttestResponse),
    (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
    (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attest(
    State(state): Shared,
    body: Result<Json<AttestRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<AttestResponse>, ApiError> {
    let Json(req) = body?;
    // Another instance may have changed policies, anchors or reference values.
    state.refresh().await?;
    // The nonce goes first: used once, whatever else is wrong with the request.
    let nonce = crate::b64::decode(&req.nonce)
        .map_err(|_| ApiError::BadRequest("nonce is not base64".into()))?;
    match state.store.take_nonce(&req.nonce).await? {
        None => {
            return Err(ApiError::Conflict(
                "the nonce is unknown or was already used".into(),
            ));
        }
        Some(expires) if expires < now() => {
            return Err(ApiError::Conflict("the nonce has expired".into()));
        }
        Some(_) => {}
    }
    let tee = TeeKind::from_str(&req.tee).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let evidence = crate::b64::decode(&req.evidence)
        .map_err(|_| ApiError::BadRequest("evidence is not base64".into()))?;
    if evidence.is_empty() {
        return Err(ApiError::BadRequest("evidence is empty".into()));
    }
    let runtime_data = match &req.runtime_data {
        Some(text) => Some(
            crate::b64::decode(text)
                .map_err(|_| ApiError::BadRequest("runtime_data is not base64".into()))?,
        ),
        None => None,
    };
    let policy_ids = req.policy_ids.unwrap_or_default();
    if policy_ids.len() > MAX_POLICIES {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_POLICIES} policy ids"
        )));
    }
    if let Some(bad) = policy_ids.iter().find(|id| !crate::ids::valid_id(id)) {
        return Err(ApiError::BadRequest(format!("invalid policy id {bad:?}")));
    }
    // A runtime key must be one the TEE holds: such evidence ends in the
    // TEE-key tag, which enclave runtimes never sign for a host.
    let runtime = runtime_data.as_deref().unwrap_or_default();
    let freshness = Freshness::Challenge(secgear_tee_key::expected_challenge(&nonce, runtime));

    state.fetch_missing_collateral(tee, &evidence).await;
    let work = state.clone();
    let issued = tokio::task::spawn_blocking(move || {
        let appraiser = &work.appraiser;
        let ids: Vec<Option<&str>> = if policy_ids.is_empty() {
            vec![None]
        } else {
            policy_ids.iter().map(|id| Some(id.as_str())).collect()
        };
        let mut appraisals = Vec::with_capacity(ids.len());
        for id in ids {
            appraisals.push(appraiser.appraise(tee, &evidence, &freshness, id)?);
        }
        appraiser.issue_token_with(&appraisals, None, None, runtime_data.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("appraisal task: {e}")))?;
    let (token, claims) = match issued {
        Ok(done) => done,
        Err(e) => {
            state.metrics.verdict(tee.name(), "invalid");
            return Err(appraise_error(e));
        }
    };
    let status = claims.status().name().to_string();
    state.metrics.verdict(tee.name(), &status);
    state
        .store
        .log_token(&claims.jti, claims.iat, tee, &status)
        .await?;
    Ok(Json(AttestResponse { token, status }))
}

/// The public keys tokens are signed with.
#[utoipa::path(get, path = "/.well-known/jwks.json", responses((status = 200, description = "JWK set")))]
pub async fn jwks(State(state): Shared) -> Result<impl IntoResponse, ApiError> {
    let signer = state
        .appraiser
        .signer()
        .ok_or_else(|| ApiError::Internal("no signing key".into()))?;
    Ok(Json(signer.jwks()))
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "the process is up")))]
pub async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "the database answers"), (status = 503, body = ErrorBody)))]
pub async fn readyz(State(state): Shared) -> Result<&'static str, ApiError> {
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    Ok("ready")
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(state): Shared) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Releases a resource to an attested TEE, encrypted to the key its token carries.
#[utoipa::path(get, path = "/v1/resources/{path}", params(("path" = String, Path)),
    responses((status = 200, description = "the resource sealed to the token's tee-pubkey: {suite, enc, ciphertext}"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_resource(
    State(state): Shared,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Result<Json<secgear_tee_key::SealedResource>, ApiError> {
    crate::ids::checked_path(&path)?;
    let token = crate::auth::bearer(&headers)
        .ok_or_else(|| ApiError::Unauthorized("an attestation token is required".into()))?;
    let signer = state
        .appraiser
        .signer()
        .ok_or_else(|| ApiError::Internal("no signing key".into()))?;
    let expect = TokenExpectations {
        issuer: Some(state.config.issuer.clone()),
        ..TokenExpectations::default()
    };
    let claims = verify_token(token, &signer.jwks(), &expect).map_err(|e| match e {
        TokenError::NotAffirming(status) => {
            ApiError::Forbidden(format!("the attestation result is {status}, not affirming"))
        }
        other => ApiError::Unauthorized(other.to_string()),
    })?;
    let resource = state
        .store
        .get_resource(&path)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no resource {path}")))?;
    let input = serde_json::json!({
        "token": serde_json::to_value(&claims).map_err(|e| ApiError::Internal(e.to_string()))?,
        "path": path,
    });
    if !crate::resource_policy::allows(&resource.policy, input)? {
        return Err(ApiError::Forbidden(format!(
            "the resource policy of {path} does not admit this token"
        )));
    }
    let runtime = claims
        .runtime_data
        .as_deref()
        .and_then(|r| crate::b64::decode(r).ok())
        .ok_or_else(|| {
            ApiError::Forbidden("the token carries no runtime data with a TEE key".into())
        })?;
    let key = secgear_tee_key::tee_public_key(&runtime)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let content = crate::b64::decode(&resource.content)
        .map_err(|_| ApiError::Internal(format!("stored resource {path} is not base64")))?;
    let sealed = secgear_tee_key::seal(&key, &path, &content)
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    Ok(Json(sealed))
}

/// JSON 404 for every path the API does not have.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

pub async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(ErrorBody {
            error: "method_not_allowed".into(),
            detail: "this endpoint does not take that method".into(),
        }),
    )
}
