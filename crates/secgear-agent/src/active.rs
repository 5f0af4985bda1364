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

/// A token and when it stops being valid (Unix seconds).
type Cached = Option<(Attested, i64)>;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// When to attest again: after `period`, but at the latest halfway through
/// the token's remaining life, and not sooner than a second from now.
fn next_refresh(period: Duration, expires_at: i64, now: i64) -> Duration {
    let half_life = Duration::from_secs(u64::try_from((expires_at - now) / 2).unwrap_or(0));
    period.min(half_life).max(Duration::from_secs(1))
}

pub struct ActiveAttestation {
    token: Arc<RwLock<Cached>>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ActiveAttestation {
    /// Attests now and every `period` (at least a second; sooner if the
    /// token would expire first), retrying failures with backoff.
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
            let expect = secgear_attest::token::TokenExpectations {
                accept_non_affirming: true,
                ..Default::default()
            };
            loop {
                let attested = match client
                    .attest(attester.clone(), runtime_data.as_deref(), &[])
                    .await
                {
                    Ok(fresh) => client
                        .verify_token(&fresh.token, &expect)
                        .await
                        .map(|claims| (fresh, claims.exp)),
                    Err(e) => Err(e),
                };
                let wait = match attested {
                    Ok((fresh, expires_at)) => {
                        *slot.write().await = Some((fresh, expires_at));
                        backoff = BACKOFF_START;
                        next_refresh(period, expires_at, now())
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

    /// The latest token, if one was obtained and has not expired.
    pub async fn current(&self) -> Option<Attested> {
        match &*self.token.read().await {
            Some((token, expires_at)) if *expires_at > now() => Some(token.clone()),
            _ => None,
        }
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
    fn refreshes_come_before_expiry_and_never_in_a_busy_loop() {
        let hour = Duration::from_secs(3600);
        assert_eq!(next_refresh(hour, 1300, 1000), Duration::from_secs(150));
        assert_eq!(
            next_refresh(Duration::from_secs(60), 10_000, 1000),
            Duration::from_secs(60)
        );
        assert_eq!(
            next_refresh(Duration::ZERO, 10_000, 1000),
            Duration::from_secs(1)
        );
        assert_eq!(
            next_refresh(hour, 900, 1000),
            Duration::from_secs(1),
            "already expired"
        );
    }

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
