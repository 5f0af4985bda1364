//! Names of the checks a verifier reports in `Verified.checks`.
