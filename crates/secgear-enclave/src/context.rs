//! The one piece of process-wide state: the platform, installed once at
//! entry, and what the enclave API keeps for the enclave's lifetime (its
//! own key, its secure-channel sessions). Modules get it from
//! [`Context::get`] and pass it on; nothing else is a static.

use crate::platform::Platform;
use secgear_abi::{Error, ErrorCode};
use secgear_channel::{EvidenceVerifier, SessionTable};
use std::sync::{Mutex, OnceLock};
use zeroize::Zeroizing;

/// The enclave's X25519 key pair (private, public).
pub(crate) type KeyPair = (Zeroizing<[u8; 32]>, [u8; 32]);

pub(crate) struct Context {
    pub(crate) platform: &'static dyn Platform,
    pub(crate) tee_key: OnceLock<KeyPair>,
    pub(crate) channel: Mutex<ChannelState>,
}

/// The session table is made on first use, from the settings enclave code
/// chose before then.
pub(crate) enum ChannelState {
    Configuring(ChannelSettings),
    Serving(Box<SessionTable>),
}

/// How the enclave's end of secure channels admits clients: see
/// [`channel::configure`](crate::channel::configure).
pub struct ChannelSettings {
    /// Client static keys accepted; `None`: any client.
    pub client_keys: Option<Vec<Vec<u8>>>,
    /// Mutual attestation: a client's evidence must satisfy this.
    pub client_verifier: Option<Box<dyn EvidenceVerifier>>,
    /// Concurrent sessions (enclave memory is scarce: bound what clients can
    /// make it hold).
    pub max_sessions: usize,
    /// Largest message one record sequence may carry.
    pub max_message: usize,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        Self {
            client_keys: None,
            client_verifier: None,
            max_sessions: 256,
            max_message: 1 << 20,
        }
    }
}

impl std::fmt::Debug for ChannelSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelSettings")
            .field("client_keys", &self.client_keys.as_ref().map(Vec::len))
            .field("client_verifier", &self.client_verifier.is_some())
            .field("max_sessions", &self.max_sessions)
            .field("max_message", &self.max_message)
            .finish()
    }
}

static CONTEXT: OnceLock<Context> = OnceLock::new();

impl Context {
    /// Installs the platform; a second installation is refused.
    pub(crate) fn install(platform: &'static dyn Platform) -> Result<&'static Context, Error> {
        CONTEXT
            .set(Context {
                platform,
                tee_key: OnceLock::new(),
                channel: Mutex::new(ChannelState::Configuring(ChannelSettings::default())),
            })
            .map_err(|_| {
                Error::new(
                    ErrorCode::BadState,
                    "the enclave platform is already installed",
                )
            })?;
        Self::get()
    }

    /// The running enclave's context; `BadState` outside an enclave.
    pub(crate) fn get() -> Result<&'static Context, Error> {
        CONTEXT
            .get()
            .ok_or_else(|| Error::new(ErrorCode::BadState, "no enclave runtime is running"))
    }
}

/// Installs the platform the enclave API runs on: what a TEE runtime does
/// once, at entry, before any enclave code runs. A second call is refused.
pub(crate) fn install(platform: &'static dyn Platform) -> Result<(), Error> {
    Context::install(platform).map(|_| ())
}
