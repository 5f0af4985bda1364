//! `enclave.toml`: what the signer vouches for besides the code.

use serde::Deserialize;
use std::path::Path;

/// The signed configuration of an enclave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Identifies the product among enclaves of one signer (sealing to the
    /// signer is per product).
    pub product_id: u16,
    /// Security version; raise it when fixing a vulnerability.
    pub security_version: u16,
    /// Whether the enclave may run in debug mode.
    #[serde(default)]
    pub debug: bool,
    /// Concurrent ECALLs the enclave serves (TCS analogue), 1 to 256.
    #[serde(default = "default_threads")]
    pub threads: u32,
    /// Memory the enclave may allocate, in bytes.
    #[serde(default = "default_heap")]
    pub heap_limit: u64,
}

fn default_threads() -> u32 {
    4
}

fn default_heap() -> u64 {
    256 << 20
}

pub const ENCODED_LEN: usize = 17;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid enclave configuration: {0}")]
    Invalid(String),
}

impl Config {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        c.validate()?;
        Ok(c)
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::parse(&text)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=256).contains(&self.threads) {
            return Err(ConfigError::Invalid(format!(
                "threads = {} is outside 1..=256",
                self.threads
            )));
        }
        if self.heap_limit < (16 << 20) {
            return Err(ConfigError::Invalid(format!(
                "heap_limit = {} is below 16 MiB",
                self.heap_limit
            )));
        }
        Ok(())
    }

    /// The canonical encoding that is measured and signed.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[0..2].copy_from_slice(&self.product_id.to_le_bytes());
        out[2..4].copy_from_slice(&self.security_version.to_le_bytes());
        out[4] = u8::from(self.debug);
        out[5..9].copy_from_slice(&self.threads.to_le_bytes());
        out[9..17].copy_from_slice(&self.heap_limit.to_le_bytes());
        out
    }

    pub fn decode(bytes: &[u8; ENCODED_LEN]) -> Result<Self, ConfigError> {
        let [p0, p1, s0, s1, debug, t0, t1, t2, t3, h @ ..] = *bytes;
        let debug = match debug {
            0 => false,
            1 => true,
            _ => return Err(ConfigError::Invalid("debug flag is not 0 or 1".into())),
        };
        let c = Config {
            product_id: u16::from_le_bytes([p0, p1]),
            security_version: u16::from_le_bytes([s0, s1]),
            debug,
            threads: u32::from_le_bytes([t0, t1, t2, t3]),
            heap_limit: u64::from_le_bytes(h),
        };
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_defaults_and_round_trips() {
        let c = Config::parse("product_id = 7\nsecurity_version = 2\n").expect("valid");
        assert_eq!((c.threads, c.heap_limit, c.debug), (4, 256 << 20, false));
        assert_eq!(Config::decode(&c.encode()).expect("decode"), c);
    }

    #[test]
    fn rejects_bad_values_and_unknown_fields() {
        for bad in [
            "product_id = 1\nsecurity_version = 1\nthreads = 0",
            "product_id = 1\nsecurity_version = 1\nthreads = 1000",
            "product_id = 1\nsecurity_version = 1\nheap_limit = 10",
            "product_id = 70000\nsecurity_version = 1",
            "product_id = 1\nsecurity_version = 1\ncolour = \"red\"",
            "security_version = 1",
        ] {
            assert!(Config::parse(bad).is_err(), "{bad}");
        }
    }
}
