//! Verifying the enclave's evidence with the attestation core, peer to
//! peer: a trust anchor for the platform, the measurement (or signer) the
//! client expects, and the binding in the report data.

use crate::binding::{EvidenceVerifier, Refusal};
use secgear_attest::{Appraiser, CheckName, Freshness, TeeKind, policy::Status};

/// Accepts evidence of `tee` that the appraiser affirms and that carries the
/// expected binding.
pub struct AppraisalVerifier {
    pub appraiser: Appraiser,
    pub tee: TeeKind,
}

impl EvidenceVerifier for AppraisalVerifier {
    fn verify(&self, evidence: &[u8], report_data: &[u8; 64]) -> Result<(), Refusal> {
        let appraisal = self
            .appraiser
            .appraise(
                self.tee,
                evidence,
                &Freshness::Challenge(report_data.to_vec()),
                None,
            )
            .map_err(|e| e.to_string())?;
        if !appraisal
            .verified
            .checks
            .get(&CheckName::Freshness)
            .is_some_and(|c| c.is_ok())
        {
            return Err(Refusal::Binding);
        }
        if appraisal.status != Status::Affirming {
            // Say what the enclave is, so a refusal can be acted on.
            let measurement = appraisal
                .verified
                .claims
                .get("measurement")
                .and_then(|m| m.as_str())
                .map(|m| format!("; its measurement is {m}"))
                .unwrap_or_default();
            let simulated = if appraisal.verified.simulated {
                "; the evidence is simulated, which only development mode trusts"
            } else {
                ""
            };
            return Err(Refusal::Evidence(format!(
                "the enclave is {} ({:?}){measurement}{simulated}",
                appraisal.status.name(),
                appraisal.trust_vector
            )));
        }
        Ok(())
    }
}
