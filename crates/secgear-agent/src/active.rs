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

fn next_backoff(current: Duration) -> Duration {
    (current * 2).min(BACKOFF_MAX)
}

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
                        backoff = next_backoff(backoff);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let mut d = BACKOFF_START;
        let mut seen = Vec::new();
        for _ in 0..10 {
            seen.push(d.as_secs());
            d = next_backoff(d);
        }
        assert_eq!(seen, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
    }

    #[tokio::test]
    async fn a_failing_service_leaves_no_token_and_the_task_stops() {
        struct Never;
        impl Attester for Never {
            fn tee(&self) -> secgear_attest::TeeKind {
                secgear_attest::TeeKind::Sim
            }
            fn evidence(&self, _: &[u8; 64]) -> Result<Vec<u8>, crate::AgentError> {
                Err(crate::AgentError::Attester("no TEE".into()))
            }
        }
        // Nothing listens on port 9 of loopback.
        let client = Arc::new(ServiceClient::new("http://127.0.0.1:9").expect("client"));
        let active =
            ActiveAttestation::start(client, Arc::new(Never), None, Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(active.current().await.is_none());
        tokio::time::timeout(Duration::from_secs(5), active.stop())
            .await
            .expect("stops promptly even while backing off");
    }
}
