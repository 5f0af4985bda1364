//! The pipeline: verify evidence, appraise it with a policy against
//! reference values, and issue an EAR token.

use crate::anchors::TrustAnchors;
use crate::collateral::CollateralStore;
use crate::encoding::b64url_encode;
use crate::policy::{PolicyError, PolicyStore, Status, default_id};
use crate::reference::ReferenceValues;
use crate::token::{EAR_PROFILE, EarClaims, Submod, TokenError, TokenSigner, VerifierId};
use crate::verifier::{
    Check, CheckName, Context, Freshness, TeeKind, Verified, Verifier, VerifyError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

/// Whether simulated evidence may be affirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Simulated evidence is never affirmed.
    #[default]
    Production,
    /// Simulated evidence may be affirmed (development and tests).
    Development,
}

/// Where an appraisal's time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    System,
    /// A fixed instant: appraise as of then.
    Fixed(time::OffsetDateTime),
}

impl Clock {
    pub fn now(self) -> time::OffsetDateTime {
        match self {
            Clock::System => time::OffsetDateTime::now_utc(),
            Clock::Fixed(at) => at,
        }
    }
}

/// One appraised piece of evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Appraisal {
    pub tee: TeeKind,
    pub status: Status,
    pub trust_vector: BTreeMap<String, i64>,
    pub policy_id: String,
    pub evidence_sha256: String,
    pub verified: Verified,
}

#[derive(Debug, thiserror::Error)]
pub enum AppraiseError {
    #[error(transparent)]
    Evidence(#[from] VerifyError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Everything an appraisal needs, shared by concurrent appraisals.
pub struct Appraiser {
    verifiers: HashMap<TeeKind, Box<dyn Verifier>>,
    pub anchors: RwLock<TrustAnchors>,
    /// Endorsements verifiers need beyond the anchors (Intel TCB info and
    /// QE identity, AMD VCEK certificates).
    pub collateral: RwLock<CollateralStore>,
    /// The appraisal time: the clock unless pinned (replaying stored
    /// evidence as of its date, tests inside a vector's validity window).
    pub clock: Clock,
    pub references: RwLock<ReferenceValues>,
    pub policies: PolicyStore,
    /// `data` handed to policies (e.g. `{"allow_unendorsed_cvm_key": true}`).
    pub policy_data: Value,
    pub mode: Mode,
    pub issuer: String,
    pub token_ttl_seconds: i64,
    signer: Option<TokenSigner>,
}

impl std::fmt::Debug for Appraiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appraiser")
            .field("mode", &self.mode)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Appraiser {
    pub fn new(anchors: TrustAnchors, references: ReferenceValues, mode: Mode) -> Self {
        let verifiers = TeeKind::ALL
            .into_iter()
            .filter_map(|t| crate::verifiers::for_tee(t).map(|v| (t, v)))
            .collect();
        Self {
            verifiers,
            anchors: RwLock::new(anchors),
            collateral: RwLock::new(CollateralStore::default()),
            clock: Clock::System,
            references: RwLock::new(references),
            policies: PolicyStore::new(),
            policy_data: json!({}),
            mode,
            issuer: "secgear-rs".into(),
            token_ttl_seconds: 300,
            signer: None,
        }
    }

    pub fn with_signer(mut self, signer: TokenSigner) -> Self {
        self.signer = Some(signer);
        self
    }

    pub fn signer(&self) -> Option<&TokenSigner> {
        self.signer.as_ref()
    }

    /// Verifies evidence only (no policy).
    pub fn verify(
        &self,
        tee: TeeKind,
        evidence: &[u8],
        freshness: &Freshness,
    ) -> Result<Verified, VerifyError> {
        let now = self.clock.now();
        self.verify_at(tee, evidence, freshness, now, &self.references_at(now))
    }

    /// The reference values accepted at `now`.
    fn references_at(&self, now: time::OffsetDateTime) -> BTreeMap<String, Vec<Value>> {
        self.references
            .read()
            .map(|r| r.accepted_at(now))
            .unwrap_or_default()
    }

    fn verify_at(
        &self,
        tee: TeeKind,
        evidence: &[u8],
        freshness: &Freshness,
        now: time::OffsetDateTime,
        references: &BTreeMap<String, Vec<Value>>,
    ) -> Result<Verified, VerifyError> {
        let verifier = self
            .verifiers
            .get(&tee)
            .ok_or(VerifyError::Unsupported(tee))?;
        let anchors = self
            .anchors
            .read()
            .map_err(|_| VerifyError::malformed(tee, "anchor store poisoned"))?;
        let collateral = self
            .collateral
            .read()
            .map_err(|_| VerifyError::malformed(tee, "collateral store poisoned"))?;
        let context = Context {
            anchors: &anchors,
            collateral: &collateral,
            references,
            now: now.unix_timestamp(),
        };
        verifier.verify(evidence, freshness, &context)
    }

    /// Verifies and appraises evidence with `policy_id` (default: the TEE's).
    pub fn appraise(
        &self,
        tee: TeeKind,
        evidence: &[u8],
        freshness: &Freshness,
        policy_id: Option<&str>,
    ) -> Result<Appraisal, AppraiseError> {
        // One time and one reading of the reference values serve the
        // verifier (IMA allow lists) and the policy alike.
        let now = self.clock.now();
        let reference = self.references_at(now);
        let verified = self.verify_at(tee, evidence, freshness, now, &reference)?;
        let input = json!({
            "tee": tee.name(),
            "mode": self.mode,
            "checks": verified.checks,
            "claims": verified.claims,
            "simulated": verified.simulated,
            "reference": reference,
        });
        let policy_id = policy_id.unwrap_or(default_id(tee)).to_string();
        let mut trust_vector = self
            .policies
            .evaluate(&policy_id, input, &self.policy_data)?;
        // However a custom policy reads, simulated evidence is never
        // affirmed in production mode.
        if verified.simulated && self.mode == Mode::Production {
            trust_vector.insert("hardware".into(), 97);
        }
        // Nor is forged or replayed evidence: policies judge claims, they
        // cannot excuse a bad signature, binding or challenge.
        if !integrity_holds(&verified) {
            trust_vector.insert("instance-identity".into(), 96);
        }
        // Some failed checks contraindicate a claim whatever the policy: a
        // measurement log that does not replay, or that lists files no allow
        // list knows, what runs; a TD refused for its attributes
        // (migratable, no SEPT_VE_DISABLE...), its configuration.
        for (check, claim) in [
            (CheckName::EventLog, "executables"),
            (CheckName::Ima, "executables"),
            (CheckName::TdAttributes, "configuration"),
        ] {
            if matches!(verified.checks.get(&check), Some(Check::Failed(_))) {
                trust_vector.insert(claim.into(), 96);
            }
        }
        let status = Status::of_vector(&trust_vector);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, evidence);
        Ok(Appraisal {
            tee,
            status,
            trust_vector,
            policy_id,
            evidence_sha256: hex::encode(digest.as_ref()),
            verified,
        })
    }

    /// Issues a token for appraisals (one submodule each), whatever their status.
    pub fn issue_token(
        &self,
        appraisals: &[Appraisal],
        nonce: Option<&[u8]>,
        audience: Option<&str>,
    ) -> Result<String, AppraiseError> {
        self.issue_token_with(appraisals, nonce, audience, None)
            .map(|(token, _)| token)
    }

    /// [`issue_token`](Self::issue_token) that also carries the runtime data
    /// the evidence was bound to; returns the token and its claims.
    pub fn issue_token_with(
        &self,
        appraisals: &[Appraisal],
        nonce: Option<&[u8]>,
        audience: Option<&str>,
        runtime_data: Option<&[u8]>,
    ) -> Result<(String, EarClaims), AppraiseError> {
        let signer = self
            .signer
            .as_ref()
            .ok_or_else(|| TokenError::Key("no token signing key configured".into()))?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).map_err(|_| TokenError::Sign("no randomness".into()))?;
        // One submodule per appraisal: keyed by TEE, or by TEE and policy
        // when one piece of evidence was appraised with several policies.
        let repeated = |tee: TeeKind| appraisals.iter().filter(|a| a.tee == tee).count() > 1;
        let submods = appraisals
            .iter()
            .map(|a| {
                let submod = Submod {
                    status: a.status,
                    trust_vector: a.trust_vector.clone(),
                    policy_id: a.policy_id.clone(),
                    tee: a.tee.name().into(),
                    simulated: a.verified.simulated,
                    evidence_sha256: a.evidence_sha256.clone(),
                    checks: a
                        .verified
                        .checks
                        .iter()
                        .map(|(name, check)| (name.name().to_string(), check.clone()))
                        .collect(),
                    claims: a.verified.claims.clone(),
                };
                let key = if repeated(a.tee) {
                    format!("{}.{}", a.tee.name(), a.policy_id)
                } else {
                    a.tee.name().to_string()
                };
                (key, submod)
            })
            .collect();
        let claims = EarClaims {
            eat_profile: EAR_PROFILE.into(),
            iat: now,
            exp: now + self.token_ttl_seconds,
            iss: self.issuer.clone(),
            jti: hex::encode(jti),
            aud: audience.map(str::to_string),
            eat_nonce: nonce.map(b64url_encode),
            verifier_id: VerifierId {
                developer: "secgear-rs".into(),
                build: env!("CARGO_PKG_VERSION").into(),
            },
            submods,
            runtime_data: runtime_data.map(b64url_encode),
        };
        Ok((signer.sign(&claims)?, claims))
    }
}

/// Whether the evidence's own integrity holds whatever a policy says: every
/// signature, binding and freshness check that ran passed, and at least one
/// signature was actually verified. (Endorsement is left to policies: an
/// unendorsed virtCCA key, say, is a policy decision.)
fn integrity_holds(verified: &Verified) -> bool {
    let none_failed = verified
        .checks
        .iter()
        .all(|(name, check)| !name.is_integrity() || !matches!(check, Check::Failed(_)));
    let some_signature_ok = verified
        .checks
        .iter()
        .any(|(name, check)| name.is_signature() && check.is_ok());
    none_failed && some_signature_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified_with(checks: &[(CheckName, Check)]) -> Verified {
        let mut v = Verified::new(TeeKind::Cca);
        for (name, check) in checks {
            v.check(*name, check.clone());
        }
        v
    }

    #[test]
    fn integrity_is_judged_by_what_each_check_is_whatever_its_layer() {
        let failed = || Check::Failed("bad".into());
        let layered = [
            (CheckName::PlatformEndorsement, Check::Ok),
            (CheckName::PlatformSignature, Check::Ok),
            (CheckName::RealmSignature, Check::Ok),
            (CheckName::RealmBinding, Check::Ok),
            (CheckName::Freshness, Check::Ok),
        ];
        assert!(integrity_holds(&verified_with(&layered)));
        // Any failed signature, binding or freshness check breaks it, the
        // platform's layer included...
        for broken in [
            CheckName::PlatformSignature,
            CheckName::RealmSignature,
            CheckName::RealmBinding,
            CheckName::Freshness,
        ] {
            let mut checks = layered.to_vec();
            checks.retain(|(name, _)| *name != broken);
            checks.push((broken, failed()));
            assert!(!integrity_holds(&verified_with(&checks)), "{broken} failed");
        }
        // ...an endorsement is the policy's to judge...
        let mut unendorsed = layered.to_vec();
        unendorsed[0].1 = failed();
        assert!(integrity_holds(&verified_with(&unendorsed)));
        // ...and some signature must actually have been verified.
        let unverified = [
            (CheckName::Signature, Check::NotChecked("no anchor".into())),
            (CheckName::Freshness, Check::Ok),
        ];
        assert!(!integrity_holds(&verified_with(&unverified)));
    }
}
