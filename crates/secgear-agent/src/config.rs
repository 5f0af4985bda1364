//! The daemon's TOML configuration.
//!
//! ```toml
//! unix = "/run/secgear-agent.sock"     # owner-only socket (recommended); or listen = "127.0.0.1:8081"
//! service_url = "http://127.0.0.1:8080" # the attestation service (service mode)
//! enclave = "app.signed"               # attest this sim enclave; else configfs-tsm:
//! tsm_root = "/sys/kernel/config/tsm/report"
//! active_refresh_seconds = 0           # > 0: keep a fresh token, re-attesting this often
//! [local]                              # peer-to-peer appraisal of others' evidence
//! anchors = ["sim:platform.pem"]       # tee:path, as `secgear attest verify --anchor`
//! references = "reference-values.json"
//! mode = "production"                  # or "development" (affirms simulated evidence)
//! ```

use serde::Deserialize;
use std::path::PathBuf;

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
            active_refresh_seconds: 0,
            local: None,
        }
    }
}
