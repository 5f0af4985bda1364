//! What every request handler shares: storage, the appraisal pipeline (kept
//! in step with storage), the token key, and metrics.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::signing_key::SigningKeyError;
use crate::store::{Store, StoredAnchor, StoredCollateral};
use secgear_attest::anchors::AnchorError;
use secgear_attest::collateral::{
    CollateralError, CollateralItem, CollateralKind, CollateralStore,
};
use secgear_attest::reference::ReferenceValue;
use secgear_attest::{Appraiser, ReferenceValues, TrustAnchors};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub struct AppState {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub appraiser: Appraiser,
    pub metrics: Metrics,
    /// Fetches missing collateral, when a source is configured.
    pub fetcher: Option<crate::collateral_source::Fetcher>,
    /// The storage generation the appraiser reflects.
    loaded: AtomicI64,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Why a stored trust anchor cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AnchorLoadError {
    #[error("anchor data is neither PEM, JSON nor base64: {0}")]
    Encoding(#[source] base64::DecodeError),
    #[error(transparent)]
    Anchor(#[from] AnchorError),
}

/// Why the service's state cannot be set up or reloaded.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    SigningKey(#[from] SigningKeyError),
    #[error("loading policies, reference values, anchors and collateral from the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("collateral source client: {0}")]
    Http(#[from] crate::collateral_source::ClientError),
}

/// Loads an anchor's stored text into `anchors`.
pub fn load_anchor(anchors: &mut TrustAnchors, a: &StoredAnchor) -> Result<(), AnchorLoadError> {
    let bytes = if a.data.contains("-----BEGIN") || a.data.trim_start().starts_with(['{', '[']) {
        a.data.as_bytes().to_vec()
    } else {
        crate::b64::decode(&a.data).map_err(AnchorLoadError::Encoding)?
    };
    Ok(anchors.load(a.tee, &bytes)?)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreCollateralError {
    #[error(transparent)]
    Collateral(#[from] CollateralError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    State(#[from] StateError),
}

/// Reads stored collateral back into an item.
pub fn load_collateral(c: &StoredCollateral) -> Result<CollateralItem, CollateralError> {
    let bytes = match c.kind {
        CollateralKind::Intel => c.data.as_bytes().to_vec(),
        CollateralKind::Amd => crate::b64::decode(&c.data)
            .map_err(|e| CollateralError::Amd(format!("stored certificate is not base64: {e}")))?,
    };
    CollateralItem::parse(c.kind, &bytes)
}

impl AppState {
    /// A state without a collateral fetcher (see [`Self::with_fetcher`]).
    pub async fn new(config: Config, store: Arc<dyn Store>) -> Result<Self, StateError> {
        let signer = crate::signing_key::load(&config, store.as_ref()).await?;
        let mut appraiser =
            Appraiser::new(TrustAnchors::default(), ReferenceValues::new(), config.mode)
                .with_signer(signer);
        appraiser.issuer = config.issuer.clone();
        appraiser.token_ttl_seconds = config.token_ttl_seconds;
        if let Some(at) = config.appraisal_time {
            appraiser.clock = secgear_attest::Clock::Fixed(at);
        }
        let state = Self {
            fetcher: None,
            config,
            store,
            appraiser,
            metrics: Metrics::new(),
            loaded: AtomicI64::new(-1),
            refresh: tokio::sync::Mutex::new(()),
        };
        state.refresh().await?;
        Ok(state)
    }

    /// Fetches missing collateral from the configured sources, over TLS
    /// with `provider` (nothing when no source is configured).
    pub fn with_fetcher(
        mut self,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Self, StateError> {
        let sources = &self.config.collateral;
        if sources.intel_url.is_some() || sources.amd_url.is_some() {
            self.fetcher = Some(crate::collateral_source::Fetcher::new(
                sources.clone(),
                provider,
            )?);
        }
        Ok(self)
    }

    /// Stores collateral (uploaded or fetched) and reloads; returns its key.
    pub async fn store_collateral(
        &self,
        item: &CollateralItem,
    ) -> Result<String, StoreCollateralError> {
        let key = item.key()?;
        let data = match item {
            CollateralItem::Intel(_) => String::from_utf8_lossy(&item.to_bytes()).into_owned(),
            CollateralItem::Amd(der) => crate::b64::encode_std(der),
        };
        self.store
            .put_collateral(&StoredCollateral {
                kind: item.kind(),
                key: key.clone(),
                data,
            })
            .await?;
        self.refresh().await?;
        Ok(key)
    }

    /// Fetches what `evidence` needs and the store lacks (or holds stale),
    /// when a source is configured. A source that fails is logged and
    /// the appraisal goes on with what is stored: the verifier then says
    /// what is missing or expired.
    pub async fn fetch_missing_collateral(&self, tee: secgear_attest::TeeKind, evidence: &[u8]) {
        let Some(fetcher) = &self.fetcher else { return };
        let now = self.appraiser.clock.now().unix_timestamp();
        let need = match self.appraiser.collateral.read() {
            Ok(store) => secgear_attest::needs::missing(&store, tee, evidence, now),
            Err(_) => None,
        };
        let Some(need) = need else { return };
        // Bounded well inside the request's own timeout: a source that
        // hangs must not cost the appraisal, which goes on with the store.
        let deadline = std::time::Duration::from_millis(self.config.request_timeout_ms / 2);
        let fetched = match tokio::time::timeout(deadline, fetcher.fetch(&need)).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(target: "secgear::as", "collateral source too slow, using what is stored");
                return;
            }
        };
        match fetched {
            Ok(item) => match self.store_collateral(&item).await {
                Ok(key) => tracing::info!(target: "secgear::as", %key, "collateral fetched"),
                Err(e) => {
                    tracing::warn!(target: "secgear::as", "fetched collateral not stored: {e}")
                }
            },
            Err(e) => {
                tracing::warn!(target: "secgear::as", "collateral not fetched, using what is stored: {e}")
            }
        }
    }

    /// Reloads policies, reference values and anchors if storage changed
    /// since the last load (here or at another instance).
    pub async fn refresh(&self) -> Result<(), StateError> {
        // The common case — nothing changed — takes no lock.
        if self.store.generation().await? == self.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let _one_at_a_time = self.refresh.lock().await;
        let generation = self.store.generation().await?;
        if generation == self.loaded.load(Ordering::Acquire) {
            return Ok(());
        }
        let policies = self.store.list_policies().await?;
        let references = self.store.list_references().await?;
        let anchors = self.store.list_anchors().await?;
        let collateral = self.store.list_collateral().await?;

        for p in &policies {
            if self.appraiser.policies.source(&p.id).as_deref() != Some(p.source.as_str())
                && let Err(e) = self.appraiser.policies.add(&p.id, &p.source)
            {
                tracing::warn!(target: "secgear::as", id = %p.id, "stored policy does not compile: {e}");
            }
        }
        // A deleted override of a built-in policy restores the built-in.
        for id in self.appraiser.policies.ids() {
            if policies.iter().any(|p| p.id == id) {
                continue;
            }
            match secgear_attest::policy::builtin_source(&id) {
                Some(builtin)
                    if self.appraiser.policies.source(&id).as_deref() != Some(builtin) =>
                {
                    let _ = self.appraiser.policies.add(&id, builtin);
                }
                Some(_) => {}
                None => {
                    self.appraiser.policies.remove(&id);
                }
            }
        }

        let mut values = ReferenceValues::new();
        for entry in &references {
            match serde_json::from_str::<ReferenceValue>(entry) {
                Ok(rv) => {
                    if let Err(e) = values.add(rv) {
                        tracing::warn!(target: "secgear::as", "stored reference value refused: {e}");
                    }
                }
                Err(e) => {
                    tracing::warn!(target: "secgear::as", "stored reference value unreadable: {e}")
                }
            }
        }
        let mut trust = TrustAnchors::default();
        for a in &anchors {
            if let Err(e) = load_anchor(&mut trust, a) {
                tracing::warn!(target: "secgear::as", id = %a.id, "stored trust anchor refused: {e}");
            }
        }
        let mut endorsements = CollateralStore::default();
        for c in &collateral {
            if let Err(e) = load_collateral(c).and_then(|item| endorsements.put(item)) {
                tracing::warn!(target: "secgear::as", key = %c.key, "stored collateral refused: {e}");
            }
        }
        if let Ok(mut c) = self.appraiser.collateral.write() {
            *c = endorsements;
        }
        if let Ok(mut r) = self.appraiser.references.write() {
            *r = values;
        }
        if let Ok(mut t) = self.appraiser.anchors.write() {
            *t = trust;
        }
        self.loaded.store(generation, Ordering::Release);
        tracing::debug!(target: "secgear::as", generation, "appraisal data reloaded");
        Ok(())
    }
}
