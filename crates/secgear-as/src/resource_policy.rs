//! Resource policies: Rego in `package secgear.resource` whose `allow` must
//! be true for a token to receive the resource. The input is
//! `{"token": <EAR claims>, "path": <resource path>}`; a token must also be
//! affirming, whatever the policy says. Compiled policies are cached by source.
//!
//! ```rego
//! package secgear.resource
//! import rego.v1
//! default allow := false
//! allow if input.token.submods.sim["secgear.claims"].measurement == "…"
//! ```

use crate::error::ApiError;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

const PACKAGE: &str = "secgear.resource";
const RULE: &str = "data.secgear.resource.allow";
const CACHE_LIMIT: usize = 256;

/// Compiles a resource policy; the error is Rego's own message.
pub fn compile(source: &str) -> Result<regorus::Engine, String> {
    secgear_attest::policy::compile_rego("resource.rego", source, PACKAGE, RULE)
}

fn cache() -> &'static Mutex<HashMap<String, regorus::Engine>> {
    static CACHE: OnceLock<Mutex<HashMap<String, regorus::Engine>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether the policy's `allow` is exactly `true` for `input`.
pub fn allows(source: &str, input: serde_json::Value) -> Result<bool, ApiError> {
    let cached = cache().lock().ok().and_then(|c| c.get(source).cloned());
    let mut engine = match cached {
        Some(engine) => engine,
        None => {
            let engine = compile(source)
                .map_err(|e| ApiError::Internal(format!("stored resource policy: {e}")))?;
            if let Ok(mut c) = cache().lock() {
                if c.len() >= CACHE_LIMIT {
                    c.clear();
                }
                c.insert(source.to_string(), engine.clone());
            }
            engine
        }
    };
    engine.set_input(regorus::Value::from(input));
    let value = engine
        .eval_rule(RULE.into())
        .map_err(|e| ApiError::Forbidden(format!("resource policy: {e}")))?;
    Ok(value == regorus::Value::from(true))
}
