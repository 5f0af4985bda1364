//! Reference values: named sets of accepted values.
//!
//! A name (`sim.measurement`, `cca.rim`, `cca.realm`, `virtcca.rim`,
//! `itrustee.ta_img`, ...) maps to any number of accepted values, each with
//! an optional validity window and a provenance note. Matching semantics:
//!
//! - a value is a JSON string or object; hex strings are compared
//!   case-insensitively (normalised to lowercase), other strings exactly;
//!   objects compare member by member with the same rules;
//! - a claim matches a name when it equals *any* accepted value of that name
//!   that is valid now (set membership).
//!
//! The JSON format is `{"reference_values": [{"name", "value", "not_before"?,
//! "not_after"?, "note"?}]}` with RFC 3339 times. rust-ccatoken's `rv.json`
//! imports as `cca.platform` and `cca.realm` objects.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceValue {
    pub name: String,
    pub value: Value,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub not_before: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub not_after: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ReferenceValue {
    pub fn new(name: impl Into<String>, value: Value) -> Self {
        Self {
            name: name.into(),
            value,
            not_before: None,
            not_after: None,
            note: None,
        }
    }

    fn valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before.is_none_or(|t| t <= now) && self.not_after.is_none_or(|t| now <= t)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReferenceError {
    #[error("invalid reference value name `{0}`: use lowercase letters, digits, `.`, `_` and `-`")]
    BadName(String),
    #[error("reference value `{0}` must be a string or an object")]
    BadValue(String),
    #[error("not_before is after not_after for `{0}`")]
    BadWindow(String),
    #[error("invalid reference file: {0}")]
    Format(String),
}

/// The store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceValues {
    values: Vec<ReferenceValue>,
}

#[derive(Serialize, Deserialize)]
struct File {
    reference_values: Vec<ReferenceValue>,
}

/// Whether a name fits the grammar: non-empty, at most 128 characters of
/// `[a-z0-9._-]`, not starting with a dot (names end up in paths and URLs).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Lowercases hex strings throughout a value.
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s)
            if !s.is_empty() && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Value::String(s.to_ascii_lowercase())
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

impl ReferenceValues {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value (normalised); the same name and value again replaces
    /// the earlier entry (its window and note).
    pub fn add(&mut self, mut rv: ReferenceValue) -> Result<(), ReferenceError> {
        if !valid_name(&rv.name) {
            return Err(ReferenceError::BadName(rv.name));
        }
        if !matches!(rv.value, Value::String(_) | Value::Object(_)) {
            return Err(ReferenceError::BadValue(rv.name));
        }
        if let (Some(a), Some(b)) = (rv.not_before, rv.not_after)
            && a > b
        {
            return Err(ReferenceError::BadWindow(rv.name));
        }
        rv.value = normalize(&rv.value);
        self.values
            .retain(|v| !(v.name == rv.name && v.value == rv.value));
        self.values.push(rv);
        Ok(())
    }

    /// Removes one accepted value; returns whether it was there.
    pub fn remove(&mut self, name: &str, value: &Value) -> bool {
        let value = normalize(value);
        let before = self.values.len();
        self.values
            .retain(|v| !(v.name == name && v.value == value));
        before != self.values.len()
    }

    /// Removes every value of a name; returns how many.
    pub fn remove_name(&mut self, name: &str) -> usize {
        let before = self.values.len();
        self.values.retain(|v| v.name != name);
        before - self.values.len()
    }

    pub fn list(&self) -> &[ReferenceValue] {
        &self.values
    }

    /// Whether `claim` matches an accepted value of `name` valid at `now`.
    pub fn matches(&self, name: &str, claim: &Value, now: OffsetDateTime) -> bool {
        let claim = normalize(claim);
        self.values
            .iter()
            .any(|v| v.name == name && v.valid_at(now) && v.value == claim)
    }

    /// The accepted values valid at `now`, by name: the policy's view.
    pub fn accepted_at(&self, now: OffsetDateTime) -> BTreeMap<String, Vec<Value>> {
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for v in self.values.iter().filter(|v| v.valid_at(now)) {
            out.entry(v.name.clone()).or_default().push(v.value.clone());
        }
        out
    }

    pub fn import_json(&mut self, text: &str) -> Result<usize, ReferenceError> {
        let parsed: Value =
            serde_json::from_str(text).map_err(|e| ReferenceError::Format(e.to_string()))?;
        if parsed.get("platform").is_some() || parsed.get("realm").is_some() {
            return self.import_ccatoken_rv(&parsed);
        }
        let file: File =
            serde_json::from_value(parsed).map_err(|e| ReferenceError::Format(e.to_string()))?;
        let n = file.reference_values.len();
        for rv in file.reference_values {
            self.add(rv)?;
        }
        Ok(n)
    }

    pub fn export_json(&self) -> String {
        serde_json::to_string_pretty(&File {
            reference_values: self.values.clone(),
        })
        .unwrap_or_default()
    }

    /// rust-ccatoken's reference-value store (`rv.json`).
    fn import_ccatoken_rv(&mut self, doc: &Value) -> Result<usize, ReferenceError> {
        let bad = |m: &str| ReferenceError::Format(format!("rv.json: {m}"));
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let mut n = 0;
        for p in doc
            .get("platform")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let components: Vec<Value> = p
                .get("sw-components")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("platform entry without sw-components"))?
                .iter()
                .map(|c| {
                    sw_component(
                        text(c, "component-type"),
                        text(c, "measurement-value"),
                        text(c, "signer-id"),
                    )
                })
                .collect();
            let mut obj = Map::new();
            obj.insert(
                "implementation_id".into(),
                text(p, "implementation-id")
                    .ok_or_else(|| bad("implementation-id"))?
                    .into(),
            );
            obj.insert(
                "config".into(),
                text(p, "platform-configuration").unwrap_or_default().into(),
            );
            obj.insert("sw_components".into(), Value::Array(components));
            self.add(ReferenceValue::new("cca.platform", Value::Object(obj)))?;
            n += 1;
        }
        for r in doc
            .get("realm")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut obj = Map::new();
            obj.insert(
                "rim".into(),
                text(r, "initial-measurement")
                    .ok_or_else(|| bad("initial-measurement"))?
                    .into(),
            );
            let rem: Vec<Value> = r
                .get("extensible-measurements")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("extensible-measurements"))?
                .clone();
            obj.insert("rem".into(), Value::Array(rem));
            obj.insert(
                "personalization".into(),
                text(r, "personalization-value").unwrap_or_default().into(),
            );
            obj.insert(
                "rak_hash_algorithm".into(),
                text(r, "rak-hash-algorithm").unwrap_or_default().into(),
            );
            self.add(ReferenceValue::new("cca.realm", Value::Object(obj)))?;
            n += 1;
        }
        Ok(n)
    }
}

/// A software component as both claims and references present it.
pub fn sw_component(
    kind: Option<String>,
    measurement: Option<String>,
    signer: Option<String>,
) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), kind.unwrap_or_default().into());
    c.insert(
        "measurement".into(),
        measurement.unwrap_or_default().to_ascii_lowercase().into(),
    );
    c.insert(
        "signer".into(),
        signer.unwrap_or_default().to_ascii_lowercase().into(),
    );
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hex_is_case_insensitive_and_sets_accept_any_member() {
        let mut rv = ReferenceValues::new();
        rv.add(ReferenceValue::new("sim.measurement", json!("ABCDEF")))
            .expect("add");
        rv.add(ReferenceValue::new("sim.measurement", json!("001122")))
            .expect("add");
        let now = OffsetDateTime::now_utc();
        assert!(rv.matches("sim.measurement", &json!("abcdef"), now));
        assert!(rv.matches("sim.measurement", &json!("001122"), now));
        assert!(!rv.matches("sim.measurement", &json!("abcdee"), now));
        assert!(!rv.matches("cca.rim", &json!("abcdef"), now));
        // Non-hex strings compare exactly.
        rv.add(ReferenceValue::new("cca.hash", json!("Sha-256")))
            .expect("add");
        assert!(!rv.matches("cca.hash", &json!("sha-256"), now));
    }

    #[test]
    fn validity_windows_apply() {
        let mut rv = ReferenceValues::new();
        let now = OffsetDateTime::now_utc();
        let mut v = ReferenceValue::new("virtcca.rim", json!("aa"));
        v.not_after = Some(now - time::Duration::hours(1));
        rv.add(v).expect("add");
        assert!(!rv.matches("virtcca.rim", &json!("aa"), now), "expired");
        let mut v = ReferenceValue::new("virtcca.rim", json!("bb"));
        v.not_before = Some(now + time::Duration::hours(1));
        rv.add(v).expect("add");
        assert!(
            !rv.matches("virtcca.rim", &json!("bb"), now),
            "not yet valid"
        );
        assert!(rv.accepted_at(now).is_empty());
    }

    #[test]
    fn add_remove_list_import_export() {
        let mut rv = ReferenceValues::new();
        rv.add(ReferenceValue::new("itrustee.ta_img", json!("aa")))
            .expect("add");
        rv.add(ReferenceValue::new("itrustee.ta_img", json!("AA")))
            .expect("same value again");
        assert_eq!(rv.list().len(), 1);
        let text = rv.export_json();
        let mut back = ReferenceValues::new();
        assert_eq!(back.import_json(&text).expect("import"), 1);
        assert_eq!(back, rv);
        assert!(rv.remove("itrustee.ta_img", &json!("Aa")));
        assert!(rv.list().is_empty());
        for bad in ["", "../x", "UPPER", "a/b", ".hidden"] {
            assert!(
                rv.add(ReferenceValue::new(bad, json!("aa"))).is_err(),
                "{bad}"
            );
        }
        assert!(rv.add(ReferenceValue::new("x", json!(3))).is_err());
    }
}
