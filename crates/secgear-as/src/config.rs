//! The service's configuration: a TOML file whose every field has a sane
//! default, overridable from the environment for containers.
//!
//! ```toml
//! listen = "127.0.0.1:8080"               # address and port
//! database_url = "sqlite://secgear-as.db" # or postgres://user:pass@host/db
//! mode = "production"                     # "development" affirms simulated evidence
//! issuer = "secgear-as"                   # the tokens' `iss`
//! token_ttl_seconds = 300                 # lifetime of issued tokens
//! nonce_ttl_seconds = 60                  # lifetime of challenges
//! max_body_bytes = 1048576                # larger requests get 413
//! request_timeout_ms = 10000              # slower requests get 408
//! refresh_seconds = 5                     # reload what other instances changed
//! admin_token_sha256 = "…"                # hex SHA-256 of the admin bearer token; unset: admin API off
//! signing_key_file = "as-key.pem"         # PKCS#8 key (P-256, P-384, RSA), mode 0600; generated there (0600) if
//!                                         # absent; unset: beside a SQLite database; required for PostgreSQL
//! appraisal_time = "2025-07-19T10:00:00Z" # appraise as of this time (replaying stored evidence,
//!                                         # tests); unset: the clock
//! [collateral]                            # optional sources, fetched into the stored cache
//! intel_url = "https://pccs.example:8081" # PCCS or Intel PCS (v4 certification API)
//! amd_url = "https://kdsintf.amd.com"     # AMD KDS (VCEKs)
//! timeout_ms = 10000
//! [tls]                                   # unset: plain HTTP (put TLS in front)
//! cert = "cert.pem"
//! key = "key.pem"
//! ```
//!
//! Environment overrides: `SECGEAR_AS_LISTEN`, `SECGEAR_AS_DATABASE_URL`,
//! `SECGEAR_AS_MODE`, `SECGEAR_AS_ISSUER`, `SECGEAR_AS_ADMIN_TOKEN_SHA256`,
//! `SECGEAR_AS_SIGNING_KEY_FILE`, `SECGEAR_AS_TLS_CERT`, `SECGEAR_AS_TLS_KEY`.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// `production` (the default: simulated evidence is never affirmed) or
/// `development` (for development machines only).
pub use secgear_attest::Mode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub mode: Mode,
    pub issuer: String,
    pub token_ttl_seconds: i64,
    pub nonce_ttl_seconds: i64,
    pub max_body_bytes: usize,
    pub request_timeout_ms: u64,
    pub refresh_seconds: u64,
    pub admin_token_sha256: Option<String>,
    pub signing_key_file: Option<PathBuf>,
    /// Collateral and certificates are judged as of this time instead of
    /// the clock's (tokens still carry the real issue time).
    #[serde(with = "time::serde::rfc3339::option")]
    pub appraisal_time: Option<time::OffsetDateTime>,
    /// Where missing or stale collateral is fetched from (nothing by default).
    pub collateral: crate::collateral_source::CollateralSources,
    pub tls: Option<TlsConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://secgear-as.db".into(),
            mode: Mode::Production,
            issuer: "secgear-as".into(),
            token_ttl_seconds: 300,
            nonce_ttl_seconds: 60,
            max_body_bytes: 1 << 20,
            request_timeout_ms: 10_000,
            refresh_seconds: 5,
            admin_token_sha256: None,
            signing_key_file: None,
            appraisal_time: None,
            collateral: Default::default(),
            tls: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

fn invalid(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        message: message.into(),
    }
}

impl Config {
    /// Reads a TOML file (absent fields take their defaults).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// A development service for examples, tests and benchmarks (never
    /// production): loopback on a free port, development mode (simulated
    /// evidence may be affirmed), and `admin_token` as the admin bearer token.
    pub fn development(database_url: impl Into<String>, admin_token: &str) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            mode: Mode::Development,
            admin_token_sha256: Some(hex::encode(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                admin_token.as_bytes(),
            ))),
            ..Self::default()
        }
    }

    /// The file (or the defaults without one) with the process environment's
    /// overrides applied: what the `secgear-as` and `secgear as serve` commands run with.
    pub fn from_file_and_env(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            Some(p) => Self::load(p)?,
            None => Self::default(),
        }
        .with_env(|k| std::env::var(k).ok())
    }

    /// Applies `SECGEAR_AS_*` overrides from `env` (a lookup, for tests).
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        if let Some(v) = env("SECGEAR_AS_LISTEN") {
            self.listen = v
                .parse()
                .map_err(|e| invalid("SECGEAR_AS_LISTEN", format!("{v:?}: {e}")))?;
        }
        if let Some(v) = env("SECGEAR_AS_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("SECGEAR_AS_MODE") {
            self.mode = match v.as_str() {
                "production" => Mode::Production,
                "development" => Mode::Development,
                _ => return Err(invalid("SECGEAR_AS_MODE", "production or development")),
            };
        }
        if let Some(v) = env("SECGEAR_AS_ISSUER") {
            self.issuer = v;
        }
        if let Some(v) = env("SECGEAR_AS_ADMIN_TOKEN_SHA256") {
            self.admin_token_sha256 = Some(v);
        }
        if let Some(v) = env("SECGEAR_AS_SIGNING_KEY_FILE") {
            self.signing_key_file = Some(v.into());
        }
        match (env("SECGEAR_AS_TLS_CERT"), env("SECGEAR_AS_TLS_KEY")) {
            (Some(cert), Some(key)) => {
                self.tls = Some(TlsConfig {
                    cert: cert.into(),
                    key: key.into(),
                })
            }
            (None, None) => {}
            _ => {
                return Err(invalid(
                    "SECGEAR_AS_TLS_CERT",
                    "set both SECGEAR_AS_TLS_CERT and SECGEAR_AS_TLS_KEY",
                ));
            }
        }
        self.validate()?;
        Ok(self)
    }

    /// Refuses values that cannot work, naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(10..=86_400).contains(&self.token_ttl_seconds) {
            return Err(invalid("token_ttl_seconds", "must be 10..=86400"));
        }
        if !(5..=3_600).contains(&self.nonce_ttl_seconds) {
            return Err(invalid("nonce_ttl_seconds", "must be 5..=3600"));
        }
        if !(1024..=64 << 20).contains(&self.max_body_bytes) {
            return Err(invalid("max_body_bytes", "must be 1 KiB..=64 MiB"));
        }
        if !(100..=600_000).contains(&self.request_timeout_ms) {
            return Err(invalid("request_timeout_ms", "must be 100..=600000"));
        }
        if self.appraisal_time.is_some() && self.mode != Mode::Development {
            return Err(invalid(
                "appraisal_time",
                "a fixed appraisal time stops every expiry check: development mode only",
            ));
        }
        if !(1..=3_600).contains(&self.refresh_seconds) {
            return Err(invalid("refresh_seconds", "must be 1..=3600"));
        }
        if let Some(hash) = &self.admin_token_sha256
            && (hash.len() != 64 || hex::decode(hash).is_err())
        {
            return Err(invalid(
                "admin_token_sha256",
                "must be 64 hex digits (sha256sum of the token)",
            ));
        }
        if self.signing_key_file.is_none() && !self.database_url.starts_with("sqlite:") {
            return Err(invalid(
                "signing_key_file",
                "must be set for a database that is not a local SQLite file: every instance on it signs with the key it names",
            ));
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database_url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_files_and_env_override_them() {
        Config::default().validate().expect("defaults");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("as.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nmode = \"development\"\n")
            .expect("write");
        let cfg = Config::load(&path).expect("load");
        assert_eq!(cfg.listen.port(), 9000);
        assert_eq!(cfg.mode, Mode::Development);
        assert_eq!(cfg.token_ttl_seconds, 300, "absent fields keep defaults");
        let env = |k: &str| match k {
            "SECGEAR_AS_DATABASE_URL" => Some("postgres://x/y".into()),
            "SECGEAR_AS_SIGNING_KEY_FILE" => Some("/etc/secgear/as-key.pem".into()),
            _ => None,
        };
        let cfg = cfg.clone().with_env(env).expect("env");
        assert_eq!(cfg.database_url, "postgres://x/y");
        let no_key = |k: &str| (k == "SECGEAR_AS_DATABASE_URL").then(|| "postgres://x/y".into());
        assert!(
            Config::default()
                .with_env(no_key)
                .expect_err("PostgreSQL needs a key file")
                .to_string()
                .contains("signing_key_file")
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("as.toml");
        std::fs::write(&path, "listn = 1\n").expect("write");
        assert!(
            Config::load(&path)
                .expect_err("unknown")
                .to_string()
                .contains("listn")
        );
        let cfg = Config {
            admin_token_sha256: Some("abc".into()),
            ..Config::default()
        };
        assert!(
            cfg.validate()
                .expect_err("hash")
                .to_string()
                .contains("admin_token_sha256")
        );
        let env = |k: &str| (k == "SECGEAR_AS_TLS_CERT").then(|| "c.pem".to_string());
        assert!(Config::default().with_env(env).is_err(), "cert without key");
    }
}
