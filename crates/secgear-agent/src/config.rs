//! The daemon's TOML configuration.
//!
//! ```toml
//! unix = "/run/secgear-agent.sock"     # owner-only socket (recommended); or listen = "127.0.0.1:8081"
//! service_url = "http://127.0.0.1:8080" # the attestation service (service mode)
//! enclave = "app.signed"               # attest this sim enclave; else configfs-tsm:
//! tsm_root = "/sys/kernel/config/tsm/report"
//! event_log = "/sys/firmware/acpi/tables/data/CCEL"  # sent beside configfs-tsm evidence
//! ima_log = "/sys/kernel/security/ima/binary_runtime_measurements" # when present; "" sends none
//! active_refresh_seconds = 0           # > 0: keep a fresh token, re-attesting this often
//! [local]                              # peer-to-peer appraisal of others' evidence
//! anchors = ["sim:platform.pem"]       # tee:path, as `secgear attest verify --anchor`
//! references = "reference-values.json"
//! mode = "production"                  # or "development" (affirms simulated evidence)
//! ```

use crate::error::AgentError;
use crate::local::LocalVerifier;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
    #[serde(default)]
    pub anchors: Vec<String>,
    pub references: Option<PathBuf>,
    #[serde(default)]
    pub mode: secgear_attest::Mode,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    pub listen: Option<std::net::SocketAddr>,
    pub unix: Option<PathBuf>,
    pub service_url: Option<String>,
    pub enclave: Option<PathBuf>,
    pub tsm_root: PathBuf,
    pub event_log: PathBuf,
    pub ima_log: PathBuf,
    pub active_refresh_seconds: u64,
    pub local: Option<LocalConfig>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            listen: None,
            unix: None,
            service_url: None,
            enclave: None,
            tsm_root: crate::attester::TSM_ROOT.into(),
            event_log: crate::attester::CCEL_PATH.into(),
            ima_log: crate::attester::IMA_PATH.into(),
            active_refresh_seconds: 0,
            local: None,
        }
    }
}

impl AgentConfig {
    /// The logs to send beside configfs-tsm evidence (an empty path: none).
    pub fn measurement_logs(&self) -> crate::attester::MeasurementLogs {
        let path = |p: &PathBuf| (!p.as_os_str().is_empty()).then(|| p.clone());
        crate::attester::MeasurementLogs {
            event_log: path(&self.event_log),
            ima_log: path(&self.ima_log),
        }
    }

    /// Reads and parses the TOML file at `path`.
    pub fn load(path: &Path) -> Result<Self, AgentError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AgentError::Config(format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| AgentError::Config(format!("{}: {e}", path.display())))
    }
}

impl LocalConfig {
    /// The peer-to-peer verifier this section describes.
    pub fn verifier(&self) -> Result<LocalVerifier, AgentError> {
        let mut anchors = Vec::new();
        for spec in &self.anchors {
            let (tee, file) = spec
                .split_once(':')
                .ok_or_else(|| AgentError::Config(format!("anchor {spec:?} is not tee:path")))?;
            let tee = secgear_attest::TeeKind::from_str(tee)
                .map_err(|e| AgentError::Config(e.to_string()))?;
            anchors.push((tee, PathBuf::from(file)));
        }
        let borrowed: Vec<(secgear_attest::TeeKind, &Path)> =
            anchors.iter().map(|(t, p)| (*t, p.as_path())).collect();
        LocalVerifier::from_files(&borrowed, self.references.as_deref(), self.mode)
    }
}
