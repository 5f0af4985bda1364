//! Active attestation: keeps a fresh token cached by attesting again before
//! the current one expires, backing off exponentially while the service or
//! the TEE fails.

use crate::attester::Attester;
use crate::client::{Attested, ServiceClient};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{RwLock, watch};

/// Backoff after a failure: 1 s doubling up to 60 s.
const BACKOFF_START: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

pub struct ActiveAttestation {
    token: Arc<RwLock<Option<Attested>>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ActiveAttestation {
    /// Attests now and every `period` (and retries failures with backoff).
    pub fn start(
        client: Arc<ServiceClient>,
        attester: Arc<dyn Attester>,
        runtime_data: Option<Vec<u8>>,
        period: Duration,
    ) -> Self {
        let token = Arc::new(RwLock::new(None));
        let (stop, mut stopped) = watch::channel(false);
        let slot = token.clone();
        let task = tokio::spawn(async move {
            let mut backoff = BACKOFF_START;
            loop {
                let wait = match client
                    .attest(attester.clone(), runtime_data.as_deref(), &[])
                    .await
                {
                    Ok(fresh) => {
                        *slot.write().await = Some(fresh);
                        backoff = BACKOFF_START;
                        period
                    }
                    Err(e) => {
                        tracing::warn!(target: "secgear::agent", "re-attestation failed, retrying in {backoff:?}: {e}");
                        let wait = backoff;
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        wait
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Self { token, stop, task }
    }

    /// The latest token, if one was obtained.
    pub async fn current(&self) -> Option<Attested> {
        self.token.read().await.clone()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
