//! Peer-to-peer mode: evidence appraised here with the attestation core's
//! verifiers and policies, no service involved.

use crate::attester::{Attester, report_data};
use crate::error::AgentError;
use secgear_attest::{
    Appraisal, Appraiser, Freshness, Mode, ReferenceValues, TeeKind, TrustAnchors,
};
use std::path::Path;

pub struct LocalVerifier {
    appraiser: Appraiser,
}

impl std::fmt::Debug for LocalVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalVerifier").finish_non_exhaustive()
    }
}

impl LocalVerifier {
    pub fn new(appraiser: Appraiser) -> Self {
        Self { appraiser }
    }

    /// From anchor files (each `tee:path`), a reference-value file, and the mode.
    pub fn from_files(
        anchors: &[(TeeKind, &Path)],
        references: Option<&Path>,
        mode: Mode,
    ) -> Result<Self, AgentError> {
        let mut trust = TrustAnchors::default();
        for (tee, path) in anchors {
            trust
                .load_file(*tee, path)
                .map_err(|e| AgentError::Config(e.to_string()))?;
        }
        let mut values = ReferenceValues::new();
        if let Some(path) = references {
            let text = std::fs::read_to_string(path)
                .map_err(|e| AgentError::Config(format!("{}: {e}", path.display())))?;
            values
                .import_json(&text)
                .map_err(|e| AgentError::Config(e.to_string()))?;
        }
        Ok(Self::new(Appraiser::new(trust, values, mode)))
    }

    /// Appraises a peer's evidence, which must bind `nonce` and `runtime_data`.
    pub fn appraise(
        &self,
        tee: TeeKind,
        evidence: &[u8],
        nonce: &[u8],
        runtime_data: &[u8],
    ) -> Result<Appraisal, AgentError> {
        let expected = secgear_as_api::expected_challenge(nonce, runtime_data);
        self.appraiser
            .appraise(tee, evidence, &Freshness::Challenge(expected), None)
            .map_err(|e| AgentError::Appraisal(e.to_string()))
    }

    /// Collects evidence from `attester` for a fresh nonce and appraises it.
    pub fn attest_locally(&self, attester: &dyn Attester) -> Result<Appraisal, AgentError> {
        let mut nonce = [0u8; 32];
        aws_lc_rs::rand::fill(&mut nonce)
            .map_err(|_| AgentError::Attester("no randomness".into()))?;
        let evidence = attester.evidence(&report_data(&nonce, &[]))?;
        self.appraise(attester.tee(), &evidence, &nonce, &[])
    }
}
