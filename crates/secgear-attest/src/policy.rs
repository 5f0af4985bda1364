//! Appraisal policies in Rego, evaluated with `regorus`.
//!
//! A policy is a Rego module in package `secgear.appraisal` that defines
//! `trust_vector`: an object of AR4SI trustworthiness claims
//! (`instance-identity`, `configuration`, `executables`, `hardware`, ...)
//! with integer values. Its input is
//!
//! ```json
//! {"tee": "cca", "mode": "production" | "development",
//!  "checks": {"signature": {"result": "ok"}, ...},
//!  "claims": {...normalised claims...}, "simulated": false,
//!  "reference": {"cca.rim": ["..."], ...}}
//! ```
//! and `data` is the appraisal's policy data (e.g. `allow_unendorsed_cvm_key`).
//! The keys of `checks` are the names of [`CheckName`](crate::CheckName)s,
//! which stay as they are: policies match on them.
//! The overall EAR status is the worst tier in the vector: any value in
//! 96..=127 is `contraindicated`, else 32..=95 `warning`, else 2..=31
//! `affirming`, else `none`. Policies are compiled when added (a broken one
//! is refused with the Rego error) and kept compiled.

use crate::verifier::TeeKind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

const PACKAGE: &str = "secgear.appraisal";
const RULE: &str = "data.secgear.appraisal.trust_vector";

/// EAR overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    None,
    Affirming,
    Warning,
    Contraindicated,
}

impl Status {
    /// The tier of one AR4SI claim value.
    pub fn of_claim(value: i64) -> Status {
        match value {
            2..=31 => Status::Affirming,
            32..=95 => Status::Warning,
            96..=127 | -128..=-1 => Status::Contraindicated,
            _ => Status::None,
        }
    }

    /// The worst tier of a vector; `none` when it is empty.
    pub fn of_vector(vector: &BTreeMap<String, i64>) -> Status {
        vector
            .values()
            .map(|v| Status::of_claim(*v))
            .max()
            .unwrap_or(Status::None)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::None => "none",
            Status::Affirming => "affirming",
            Status::Warning => "warning",
            Status::Contraindicated => "contraindicated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("invalid policy id `{0}`: use lowercase letters, digits, `.`, `_` and `-`")]
    BadId(String),
    #[error("policy does not compile: {0}")]
    Compile(String),
    #[error("policy `{0}` does not exist")]
    Unknown(String),
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    #[error("policy output is not an object of integer trustworthiness claims: {0}")]
    Output(String),
}

/// The id of the built-in policy for a TEE.
pub fn default_id(tee: TeeKind) -> &'static str {
    match tee {
        TeeKind::Sim => "default-sim",
        TeeKind::Cca => "default-cca",
        TeeKind::Virtcca => "default-virtcca",
        TeeKind::Itrustee => "default-itrustee",
        TeeKind::Sgx => "default-sgx",
        TeeKind::Tdx => "default-tdx",
        TeeKind::Snp => "default-snp",
        TeeKind::Nitro => "default-nitro",
    }
}

fn default_source(tee: TeeKind) -> &'static str {
    match tee {
        TeeKind::Sim => include_str!("../policies/sim.rego"),
        TeeKind::Cca => include_str!("../policies/cca.rego"),
        TeeKind::Virtcca => include_str!("../policies/virtcca.rego"),
        TeeKind::Itrustee => include_str!("../policies/itrustee.rego"),
        TeeKind::Sgx => include_str!("../policies/sgx.rego"),
        TeeKind::Tdx => include_str!("../policies/tdx.rego"),
        TeeKind::Snp => include_str!("../policies/snp.rego"),
        TeeKind::Nitro => include_str!("../policies/nitro.rego"),
    }
}

struct Compiled {
    engine: regorus::Engine,
    source: String,
}

/// Compiled policies by id.
pub struct PolicyStore {
    policies: RwLock<HashMap<String, Compiled>>,
}

impl std::fmt::Debug for PolicyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.ids();
        f.debug_struct("PolicyStore").field("ids", &ids).finish()
    }
}

impl Default for PolicyStore {
    fn default() -> Self {
        Self::new()
    }
}

/// Compiles Rego (named `file` in messages) that must declare `package` and
/// whose `rule` (a full path such as `data.secgear.appraisal.trust_vector`)
/// must evaluate once with an empty input, which catches errors the parser
/// does not (undefined functions, type errors in rule bodies). The error is
/// Rego's own message.
pub fn compile_rego(
    file: &str,
    source: &str,
    package: &str,
    rule: &str,
) -> Result<regorus::Engine, String> {
    let mut engine = regorus::Engine::new();
    let declared = engine
        .add_policy(file.into(), source.into())
        .map_err(|e| e.to_string())?;
    if declared != format!("data.{package}") {
        return Err(format!(
            "the policy must be `package {package}`, not `{declared}`"
        ));
    }
    let mut probe = engine.clone();
    probe.set_input(regorus::Value::from(serde_json::json!({})));
    probe.eval_rule(rule.into()).map_err(|e| e.to_string())?;
    Ok(engine)
}

fn compile(source: &str) -> Result<regorus::Engine, PolicyError> {
    compile_rego("policy.rego", source, PACKAGE, RULE).map_err(PolicyError::Compile)
}

/// The source of the built-in policy stored under `id`, if it is one.
pub fn builtin_source(id: &str) -> Option<&'static str> {
    TeeKind::ALL
        .into_iter()
        .find(|tee| default_id(*tee) == id)
        .map(default_source)
}

impl PolicyStore {
    /// A store holding the default policy of every TEE.
    pub fn new() -> Self {
        let mut map = HashMap::new();
        for tee in TeeKind::ALL {
            let source = default_source(tee);
            if let Ok(engine) = compile(source) {
                map.insert(
                    default_id(tee).to_string(),
                    Compiled {
                        engine,
                        source: source.to_string(),
                    },
                );
            }
        }
        Self {
            policies: RwLock::new(map),
        }
    }

    /// What [`Self::add`] would refuse, without storing anything.
    pub fn check(id: &str, source: &str) -> Result<(), PolicyError> {
        Self::compile_checked(id, source).map(drop)
    }

    fn compile_checked(id: &str, source: &str) -> Result<regorus::Engine, PolicyError> {
        if !crate::reference::valid_name(id) {
            return Err(PolicyError::BadId(id.to_string()));
        }
        compile(source)
    }

    /// Compiles and stores a policy; a policy that does not compile is refused.
    pub fn add(&self, id: &str, source: &str) -> Result<(), PolicyError> {
        let engine = Self::compile_checked(id, source)?;
        if let Ok(mut map) = self.policies.write() {
            map.insert(
                id.to_string(),
                Compiled {
                    engine,
                    source: source.to_string(),
                },
            );
        }
        Ok(())
    }

    pub fn remove(&self, id: &str) -> bool {
        self.policies
            .write()
            .map(|mut m| m.remove(id).is_some())
            .unwrap_or(false)
    }

    pub fn source(&self, id: &str) -> Option<String> {
        self.policies.read().ok()?.get(id).map(|c| c.source.clone())
    }

    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .policies
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// Evaluates policy `id` on `input` with `data`; returns the trust vector.
    pub fn evaluate(
        &self,
        id: &str,
        input: serde_json::Value,
        data: &serde_json::Value,
    ) -> Result<BTreeMap<String, i64>, PolicyError> {
        let mut engine = {
            let map = self
                .policies
                .read()
                .map_err(|_| PolicyError::Eval("policy store poisoned".into()))?;
            map.get(id)
                .ok_or_else(|| PolicyError::Unknown(id.to_string()))?
                .engine
                .clone()
        };
        if data.as_object().is_some_and(|o| !o.is_empty()) {
            engine
                .add_data(regorus::Value::from(data.clone()))
                .map_err(|e| PolicyError::Eval(e.to_string()))?;
        }
        engine.set_input(regorus::Value::from(input));
        let out = engine
            .eval_rule(RULE.into())
            .map_err(|e| PolicyError::Eval(e.to_string()))?;
        let json = out
            .to_json_str()
            .map_err(|e| PolicyError::Output(e.to_string()))?;
        serde_json::from_str::<BTreeMap<String, i64>>(&json).map_err(|_| PolicyError::Output(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tiers_and_worst_status() {
        assert_eq!(Status::of_claim(2), Status::Affirming);
        assert_eq!(Status::of_claim(33), Status::Warning);
        assert_eq!(Status::of_claim(97), Status::Contraindicated);
        assert_eq!(Status::of_claim(0), Status::None);
        let v: BTreeMap<String, i64> = [("a".into(), 2), ("b".into(), 33)].into();
        assert_eq!(Status::of_vector(&v), Status::Warning);
        assert_eq!(Status::of_vector(&BTreeMap::new()), Status::None);
    }

    #[test]
    fn every_default_policy_compiles() {
        let store = PolicyStore::new();
        for tee in TeeKind::ALL {
            assert!(store.source(default_id(tee)).is_some(), "{tee}");
        }
    }

    #[test]
    fn broken_policies_are_refused_with_the_rego_error() {
        let store = PolicyStore::new();
        let err = store
            .add("broken", "package secgear.appraisal\n trust_vector := {")
            .expect_err("syntax");
        assert!(matches!(err, PolicyError::Compile(_)), "{err}");
        assert!(matches!(
            store.add("other", "package other\nx := 1"),
            Err(PolicyError::Compile(_))
        ));
        assert!(matches!(
            store.add("../evil", "package secgear.appraisal"),
            Err(PolicyError::BadId(_))
        ));
        assert!(store.source("broken").is_none(), "never stored");
    }

    #[test]
    fn custom_policies_evaluate() {
        let store = PolicyStore::new();
        store
            .add("strict", "package secgear.appraisal\nimport rego.v1\ntrust_vector := {\"executables\": 2} if input.claims.x == 1\n")
            .expect("compiles");
        let v = store
            .evaluate("strict", json!({"claims": {"x": 1}}), &json!({}))
            .expect("eval");
        assert_eq!(v.get("executables"), Some(&2));
        assert!(
            store
                .evaluate("strict", json!({"claims": {"x": 2}}), &json!({}))
                .is_err(),
            "undefined output"
        );
        assert!(matches!(
            store.evaluate("nope", json!({}), &json!({})),
            Err(PolicyError::Unknown(_))
        ));
    }
}
