//! The verifier seam: one implementation per TEE.

use crate::anchors::TrustAnchors;
use crate::collateral::CollateralStore;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub use secgear_types::{CheckName, TeeKind, UnknownTee};

/// The outcome of one check, reported separately so a policy can tell
/// "signature ok, key not endorsed" from "signature bad".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "result", content = "detail", rename_all = "snake_case")]
pub enum Check {
    Ok,
    Failed(String),
    /// Not performed (e.g. freshness of stored evidence, or a dependent check
    /// whose prerequisite failed).
    NotChecked(String),
}

impl Check {
    pub fn is_ok(&self) -> bool {
        matches!(self, Check::Ok)
    }

    pub fn from_result<E: std::fmt::Display>(r: Result<(), E>) -> Check {
        match r {
            Ok(()) => Check::Ok,
            Err(e) => Check::Failed(e.to_string()),
        }
    }
}

/// What the relying party expects the evidence to be bound to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Freshness {
    /// Stored evidence: freshness is reported as not checked.
    #[default]
    Unchecked,
    /// The challenge (nonce, or a hash over nonce and runtime data) the
    /// evidence must carry in its challenge / report-data field. Shorter
    /// expectations are compared against a zero-padded field.
    Challenge(Vec<u8>),
}

impl Freshness {
    /// Checks a challenge field against the expectation.
    pub fn check(&self, field: &[u8]) -> Check {
        match self {
            Freshness::Unchecked => Check::NotChecked("no nonce was given".into()),
            Freshness::Challenge(expected) => {
                let matches = expected.len() <= field.len()
                    && field[..expected.len()] == expected[..]
                    && field[expected.len()..].iter().all(|b| *b == 0);
                if matches {
                    Check::Ok
                } else {
                    Check::Failed(format!(
                        "challenge {} does not match the expected {}",
                        hex::encode(field),
                        hex::encode(expected)
                    ))
                }
            }
        }
    }
}

/// Verified evidence: per-check results and normalised claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    pub tee: TeeKind,
    /// `signature`, `endorsement`, `freshness`, and TEE-specific checks
    /// (`platform.signature`, `realm.binding`, ...); serialised by name.
    pub checks: BTreeMap<CheckName, Check>,
    /// Claims normalised per TEE; binary values as lowercase hex.
    pub claims: Map<String, Value>,
    /// Evidence from a simulated TEE: never hardware-backed.
    pub simulated: bool,
}

impl Verified {
    pub fn new(tee: TeeKind) -> Self {
        Self {
            tee,
            checks: BTreeMap::new(),
            claims: Map::new(),
            simulated: false,
        }
    }

    pub fn check(&mut self, name: CheckName, check: Check) {
        self.checks.insert(name, check);
    }

    /// Whether every check passed (freshness may be unchecked).
    pub fn all_ok(&self) -> bool {
        self.checks.iter().all(|(name, c)| {
            c.is_ok() || (name.is_freshness() && matches!(c, Check::NotChecked(_)))
        })
    }
}

/// Evidence that cannot be read at all: malformed, truncated, wrong type.
/// Cryptographic failures are not errors but failed [`Check`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed {tee} evidence: {detail}")]
    Malformed { tee: TeeKind, detail: String },
    #[error("the {0} verifier is not built into this binary")]
    Unsupported(TeeKind),
}

impl VerifyError {
    pub fn malformed(tee: TeeKind, detail: impl Into<String>) -> Self {
        VerifyError::Malformed {
            tee,
            detail: detail.into(),
        }
    }
}

/// What evidence is judged against besides itself: the trust anchors, the
/// collateral (endorsements the operator stored) and the appraisal time.
/// Collateral and certificates are checked at `now`, never at the clock
/// read inside a verifier, so stored evidence can be appraised as of when it
/// was produced and a test can pin the time inside a vector's window.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub anchors: &'a TrustAnchors,
    pub collateral: &'a CollateralStore,
    /// Reference values in force: verifiers read allow lists from them
    /// (IMA file digests, `ima.<application>`).
    pub references: &'a BTreeMap<String, Vec<Value>>,
    /// Unix seconds.
    pub now: i64,
}

static NO_COLLATERAL: std::sync::LazyLock<CollateralStore> =
    std::sync::LazyLock::new(CollateralStore::default);
static NO_REFERENCES: BTreeMap<String, Vec<Value>> = BTreeMap::new();

impl<'a> Context<'a> {
    /// Anchors only, no stored collateral, at `now` (Unix seconds).
    pub fn at(anchors: &'a TrustAnchors, now: i64) -> Self {
        Self {
            anchors,
            collateral: &NO_COLLATERAL,
            references: &NO_REFERENCES,
            now,
        }
    }

    /// Anchors only, no stored collateral, at the current time.
    pub fn now(anchors: &'a TrustAnchors) -> Self {
        Self::at(anchors, time::OffsetDateTime::now_utc().unix_timestamp())
    }

    pub fn with_collateral(mut self, collateral: &'a CollateralStore) -> Self {
        self.collateral = collateral;
        self
    }

    pub fn with_references(mut self, references: &'a BTreeMap<String, Vec<Value>>) -> Self {
        self.references = references;
        self
    }

    /// The allow list of IMA file digests for an application.
    pub fn ima_allow_list(&self, application: &str) -> &'a [Value] {
        self.references
            .get(&format!("ima.{}", application.to_ascii_lowercase()))
            .map_or(&[], Vec::as_slice)
    }
}

/// Checks one TEE's evidence.
pub trait Verifier: Send + Sync {
    fn tee(&self) -> TeeKind;

    fn verify(
        &self,
        evidence: &[u8],
        freshness: &Freshness,
        context: &Context<'_>,
    ) -> Result<Verified, VerifyError>;
}
