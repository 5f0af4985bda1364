//! The schema, as numbered steps applied once each at start-up. The SQL is
//! the common subset of SQLite and PostgreSQL: text, 64-bit integers, and
//! `ON CONFLICT` upserts.

pub(super) const STEPS: &[&[&str]] = &[
    &[
        "CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS policies (id TEXT PRIMARY KEY, source TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS reference_values (name TEXT NOT NULL, value TEXT NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (name, value))",
        "CREATE TABLE IF NOT EXISTS trust_anchors (id TEXT PRIMARY KEY, tee TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS resources (path TEXT PRIMARY KEY, content TEXT NOT NULL, policy TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS signing_keys (slot TEXT PRIMARY KEY, pem TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS tokens (jti TEXT PRIMARY KEY, issued_at BIGINT NOT NULL, tee TEXT NOT NULL, status TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO meta (key, value) VALUES ('generation', 0) ON CONFLICT (key) DO NOTHING",
    ],
    &[
        // Endorsements verifiers need beyond the anchors: Intel DCAP collateral
        // per TEE and FMSPC, AMD VCEK / VLEK certificates.
        "CREATE TABLE IF NOT EXISTS collateral (kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key))",
    ],
];
