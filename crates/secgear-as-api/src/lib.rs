//! What the attestation service (`secgear-as`) and its clients (the agent,
//! relying parties) share, so that a client depends on the protocol and not
//! on the service: the JSON bodies of the public endpoints, the base64 and
//! name rules of the API, the challenge evidence must carry, and resources
//! sealed to a TEE's key.
#![forbid(unsafe_code)]

pub mod b64;
pub mod ids;

use serde::{Deserialize, Serialize};

/// Resource sealing (HPKE to a TEE's key) and the challenge binding.
pub use secgear_tee_key as sealing;
pub use secgear_tee_key::{SealedResource, expected_challenge};

/// The answer of `POST /v1/challenge`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Challenge {
    /// 32 random bytes, base64url: put `SHA-256(nonce || runtime_data)` in the evidence's report data.
    pub nonce: String,
    /// When the nonce stops being accepted (RFC 3339).
    pub expires_at: String,
}

/// The body of `POST /v1/attest`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttestRequest {
    /// `sim`, `cca`, `virtcca` or `itrustee`.
    // Text, not a TeeKind: the service consumes the nonce before it judges
    // anything else in the request, an unknown TEE included.
    pub tee: String,
    /// The evidence, base64.
    pub evidence: String,
    /// A nonce from `/v1/challenge`; consumed by this request whatever its outcome.
    pub nonce: String,
    /// Data the evidence is bound to besides the nonce (base64), e.g.
    /// `{"tee-pubkey": <X25519 JWK>}` to receive resources.
    #[serde(default)]
    pub runtime_data: Option<String>,
    /// Policies to appraise with (default: the TEE's).
    #[serde(default)]
    pub policy_ids: Option<Vec<String>>,
}

/// The answer of `POST /v1/attest`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestResponse {
    /// The EAR token (JWT); its `submods.<tee>.ear.status` says what the appraisal found.
    pub token: String,
    /// The worst status over the appraisals.
    pub status: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A stable, machine-readable kind: `bad_request`, `unauthorized`, ...
    pub error: String,
    /// What was wrong, for people.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attest_requests_refuse_unknown_fields_and_default_the_optional_ones() {
        let minimal: AttestRequest =
            serde_json::from_str(r#"{"tee": "sim", "evidence": "ZQ", "nonce": "bg"}"#)
                .expect("minimal request");
        assert_eq!(minimal.runtime_data, None);
        assert_eq!(minimal.policy_ids, None);
        assert!(
            serde_json::from_str::<AttestRequest>(
                r#"{"tee": "sim", "evidence": "ZQ", "nonce": "bg", "nonse": "x"}"#
            )
            .is_err(),
            "a misspelt field is refused, not ignored"
        );
    }
}
