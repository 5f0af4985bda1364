//! Everything the service keeps, behind one trait. [`SqlStore`] implements
//! it for an SQLite file (the default: embedded, nothing to set up) and for
//! PostgreSQL (several instances sharing one database), with the same SQL.

mod migrations;
mod sql;

pub use sql::SqlStore;

use secgear_attest::TeeKind;
use secgear_attest::collateral::CollateralKind;

/// A stored policy: id and Rego source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    pub id: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnchor {
    pub id: String,
    pub tee: TeeKind,
    /// PEM text, or base64 of DER.
    pub data: String,
}

/// Stored collateral (see `secgear_attest::collateral`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCollateral {
    pub kind: CollateralKind,
    /// `sgx/<fmspc>`, `tdx/<fmspc>`, or an AMD certificate's SHA-256.
    pub key: String,
    /// Intel collateral JSON, or base64 of an AMD certificate's DER.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResource {
    /// Base64 of the content.
    pub content: String,
    /// The Rego policy that guards it.
    pub policy: String,
}

pub type StoreResult<T> = Result<T, sqlx::Error>;

/// The service's storage. Every write that changes what appraisals use
/// (policies, reference values, anchors) bumps a generation counter, so
/// instances sharing a database notice and reload.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;

    /// Records a challenge nonce until `expires_at` (Unix seconds).
    async fn insert_nonce(&self, nonce: &str, expires_at: i64) -> StoreResult<()>;
    /// Removes a nonce and returns its expiry: `None` if it was never issued
    /// or was already used. Atomic across instances.
    async fn take_nonce(&self, nonce: &str) -> StoreResult<Option<i64>>;
    async fn purge_nonces(&self, now: i64) -> StoreResult<u64>;

    async fn generation(&self) -> StoreResult<i64>;

    async fn put_policy(&self, id: &str, source: &str) -> StoreResult<()>;
    async fn get_policy(&self, id: &str) -> StoreResult<Option<String>>;
    async fn delete_policy(&self, id: &str) -> StoreResult<bool>;
    async fn list_policies(&self) -> StoreResult<Vec<StoredPolicy>>;

    /// Stores reference values, all or none: each is (name, canonical JSON
    /// of its value, the entry's JSON).
    async fn put_references(&self, entries: &[(String, String, String)]) -> StoreResult<()>;
    /// Deletes `name`'s values (only `value` if given); how many went.
    async fn delete_reference(&self, name: &str, value: Option<&str>) -> StoreResult<u64>;
    async fn list_references(&self) -> StoreResult<Vec<String>>;

    async fn put_anchor(&self, anchor: &StoredAnchor) -> StoreResult<()>;
    async fn delete_anchor(&self, id: &str) -> StoreResult<bool>;
    /// Every stored anchor of a TEE this build knows; others (left by a
    /// newer version on a shared database) are skipped with a warning.
    async fn list_anchors(&self) -> StoreResult<Vec<StoredAnchor>>;

    async fn put_collateral(&self, item: &StoredCollateral) -> StoreResult<()>;
    async fn delete_collateral(&self, kind: CollateralKind, key: &str) -> StoreResult<bool>;
    /// Every stored item of a kind this build knows.
    async fn list_collateral(&self) -> StoreResult<Vec<StoredCollateral>>;

    async fn put_resource(&self, path: &str, resource: &StoredResource) -> StoreResult<()>;
    async fn get_resource(&self, path: &str) -> StoreResult<Option<StoredResource>>;
    async fn delete_resource(&self, path: &str) -> StoreResult<bool>;
    async fn list_resources(&self) -> StoreResult<Vec<String>>;

    /// The token-signing key an older version kept here (keys now live in
    /// a file: see `signing_key`).
    async fn legacy_signing_key(&self) -> StoreResult<Option<String>>;

    /// Deletes that key, once the file holds one.
    async fn forget_legacy_signing_key(&self) -> StoreResult<()>;

    async fn log_token(
        &self,
        jti: &str,
        issued_at: i64,
        tee: TeeKind,
        status: &str,
    ) -> StoreResult<()>;
    async fn token_count(&self) -> StoreResult<i64>;
}
