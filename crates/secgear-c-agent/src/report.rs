//! What the C entry points do, in safe code.
//!
//! The configuration is the agent daemon's TOML file
//! (`secgear_agent::config::AgentConfig`), read once per process:
//!
//! ```toml
//! enclave = "/opt/app/enclave.signed.so"  # attest this sim enclave; else configfs-tsm
//! [local]                                 # what verify_report trusts
//! anchors = ["sim:/etc/secgear/platform.pem"]
//! references = "/etc/secgear/reference-values.json"
//! mode = "development"                    # affirm simulated evidence (development only)
//! ```

use secgear_agent::config::AgentConfig;
use secgear_agent::{AgentError, Attester, LocalVerifier, SimAttester, TsmAttester, report_data};
use secgear_attest::TeeKind;
use secgear_attest::policy::Status;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

pub const CONFIG_ENV: &str = "SECGEAR_AA_CONFIG";
pub const DEFAULT_CONFIG: &str = "/etc/secgear/attestation_agent.toml";

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0} is NULL")]
    Null(&'static str),
    #[error("{0}")]
    BadPointer(&'static str),
    #[error("the agent configuration {path} (set {CONFIG_ENV} to name another): {source}")]
    Config {
        path: String,
        #[source]
        source: AgentError,
    },
    #[error(
        "the agent configuration {0} has no [local] section: verify_report has nothing to trust"
    )]
    NoLocal(String),
    #[error("IMA measurements were asked for; the {0} attester collects none")]
    Ima(&'static str),
    #[error("the report is not the JSON get_report makes: {0}")]
    Format(String),
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error("the report was appraised {0:?}, not affirming")]
    NotAffirming(Status),
}

struct Agent {
    path: String,
    config: AgentConfig,
    /// Made on the first get_report: a machine that only verifies needs none.
    attester: Mutex<Option<Arc<dyn Attester>>>,
    local: Option<LocalVerifier>,
}

impl Agent {
    fn attester(&self) -> Result<Arc<dyn Attester>, ReportError> {
        let mut slot = self
            .attester
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(attester) = slot.as_ref() {
            return Ok(attester.clone());
        }
        let attester: Arc<dyn Attester> = match &self.config.enclave {
            Some(image) => {
                Arc::new(
                    SimAttester::load(image).map_err(|source| ReportError::Config {
                        path: self.path.clone(),
                        source,
                    })?,
                )
            }
            None => Arc::new(TsmAttester::new(&self.config.tsm_root)),
        };
        *slot = Some(attester.clone());
        Ok(attester)
    }
}

/// The loaded configuration. A failed load is not kept: the next call
/// tries again (the file may have been fixed).
fn agent() -> Result<Arc<Agent>, ReportError> {
    static AGENT: Mutex<Option<Arc<Agent>>> = Mutex::new(None);
    let mut slot = AGENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(agent) = slot.as_ref() {
        return Ok(agent.clone());
    }
    let path = std::env::var_os(CONFIG_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let shown = path.display().to_string();
    let config_error = |source| ReportError::Config {
        path: shown.clone(),
        source,
    };
    let config = AgentConfig::load(&path).map_err(config_error)?;
    let local = config
        .local
        .as_ref()
        .map(|l| l.verifier())
        .transpose()
        .map_err(config_error)?;
    let agent = Arc::new(Agent {
        path: shown.clone(),
        config,
        attester: Mutex::new(None),
        local,
    });
    *slot = Some(agent.clone());
    Ok(agent)
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    tee: String,
    evidence: String,
}

pub fn get_report(challenge: &[u8], ima: bool, uuid: &[u8]) -> Result<Vec<u8>, ReportError> {
    let attester = agent()?.attester()?;
    let tee = attester.tee();
    if ima {
        return Err(ReportError::Ima(tee.name()));
    }
    if !uuid.is_empty() {
        // The original names the trusted application by it on iTrustee.
        tracing::debug!(target: "secgear::c::agent", uuid = %String::from_utf8_lossy(uuid), "uuid not used by the {} attester", tee.name());
    }
    let evidence = attester.evidence(&report_data(challenge, &[]))?;
    let report = Report {
        tee: tee.name().to_owned(),
        evidence: secgear_as_api::b64::encode(&evidence),
    };
    serde_json::to_vec(&report).map_err(|e| ReportError::Format(e.to_string()))
}

pub fn verify_report(challenge: &[u8], report: &[u8]) -> Result<Vec<u8>, ReportError> {
    let agent = agent()?;
    let local = agent
        .local
        .as_ref()
        .ok_or_else(|| ReportError::NoLocal(agent.path.clone()))?;
    let report: Report =
        serde_json::from_slice(report).map_err(|e| ReportError::Format(e.to_string()))?;
    let tee = TeeKind::from_str(&report.tee).map_err(|e| ReportError::Format(e.to_string()))?;
    let evidence = secgear_as_api::b64::decode(&report.evidence)
        .map_err(|_| ReportError::Format("evidence is not base64".into()))?;
    let appraisal = local.appraise(tee, &evidence, challenge, &[])?;
    if appraisal.status != Status::Affirming {
        return Err(ReportError::NotAffirming(appraisal.status));
    }
    serde_json::to_vec(&appraisal).map_err(|e| ReportError::Format(e.to_string()))
}
