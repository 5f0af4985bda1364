//! What the client expects of the enclave. The original C API has no
//! parameter for it, so it comes from a TOML file:
//!
//! ```toml
//! trust_anchor = "/etc/secgear/platform.pem"  # `secgear attest platform-key` output
//! measurement = "9f2c…"                        # `secgear measure` output (hex)
//! allow_simulation = true                      # trust the simulation TEE (development only)
//! reply_timeout_ms = 60000                     # optional: how long each handshake step waits
//! ```
//!
//! The file is named by `SECGEAR_SEC_CHL_CLIENT_CONFIG`, else
//! [`DEFAULT_PATH`]. Unknown keys are refused: a misspelt key would
//! otherwise silently weaken what is checked.

use secgear_attest::reference::ReferenceValue;
use secgear_attest::{Appraiser, Mode, ReferenceValues, TeeKind, TrustAnchors};
use secgear_channel::AppraisalVerifier;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ENV: &str = "SECGEAR_SEC_CHL_CLIENT_CONFIG";
pub const DEFAULT_PATH: &str = "/etc/secgear/secure_channel_client.toml";
/// The original waits 60 s for each reply.
const DEFAULT_TIMEOUT_MS: u64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the client configuration {path} (set {ENV} to name another): {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the client configuration {path} is not valid: {source}")]
    Parse {
        path: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("trust_anchor {path}: {source}")]
    Anchor {
        path: String,
        #[source]
        source: secgear_attest::anchors::AnchorError,
    },
    #[error("measurement {0:?} is not hex")]
    Measurement(String),
    #[error("reference value: {0}")]
    Reference(#[from] secgear_attest::reference::ReferenceError),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    trust_anchor: PathBuf,
    measurement: String,
    allow_simulation: bool,
    reply_timeout_ms: Option<u64>,
}

/// A loaded configuration: the verifier for the enclave's evidence.
pub struct ClientSettings {
    pub verifier: AppraisalVerifier,
    pub reply_timeout: Duration,
    pub path: String,
}

/// The configuration file this process uses.
pub fn path() -> PathBuf {
    std::env::var_os(ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

pub fn load(path: &Path) -> Result<ClientSettings, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let file: File = toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: shown.clone(),
        source,
    })?;
    let measurement = file.measurement.trim().to_ascii_lowercase();
    if measurement.is_empty() || hex::decode(&measurement).is_err() {
        return Err(ConfigError::Measurement(file.measurement));
    }
    // A relative anchor path is relative to the configuration file.
    let anchor_path = match path.parent() {
        Some(dir) if file.trust_anchor.is_relative() => dir.join(&file.trust_anchor),
        _ => file.trust_anchor.clone(),
    };
    let mut anchors = TrustAnchors::default();
    anchors
        .load_file(TeeKind::Sim, &anchor_path)
        .map_err(|source| ConfigError::Anchor {
            path: anchor_path.display().to_string(),
            source,
        })?;
    let mut references = ReferenceValues::new();
    references.add(ReferenceValue::new(
        "sim.measurement",
        serde_json::json!(measurement),
    ))?;
    // Simulated evidence is affirmed only when the file says so.
    let mode = if file.allow_simulation {
        Mode::Development
    } else {
        Mode::Production
    };
    Ok(ClientSettings {
        verifier: AppraisalVerifier {
            appraiser: Appraiser::new(anchors, references, mode),
            tee: TeeKind::Sim,
        },
        reply_timeout: Duration::from_millis(file.reply_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)),
        path: shown,
    })
}
