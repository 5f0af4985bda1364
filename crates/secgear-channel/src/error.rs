use crate::binding::{EvidenceError, Role};
use std::sync::Arc;

/// Why a channel refused something. Each kind of tampering has its own
/// variant, so a caller (and a test) can tell what the peer or the host did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    #[error("protocol version {0} is not supported (this side speaks {VERSION})", VERSION = crate::VERSION)]
    UnsupportedVersion(u8),
    #[error("record {got} was already received (expected {expected}): replayed")]
    Replayed { got: u64, expected: u64 },
    #[error("record {got} arrived out of order (expected {expected})")]
    OutOfOrder { got: u64, expected: u64 },
    #[error("the record was sent by this side: reflected back")]
    Reflected,
    #[error("the record is shorter or longer than its header says: truncated")]
    Truncated,
    #[error("the record failed authentication: tampered with, or not of this session")]
    Tampered,
    #[error("the handshake failed: {0}")]
    Handshake(HandshakeError),
    #[error("sealing a record failed: {0}")]
    Seal(NoiseError),
    #[error(
        "the enclave's evidence does not bind this session's handshake and key: someone is in the middle"
    )]
    BindingMismatch,
    #[error("the peer's evidence was refused: {0}")]
    EvidenceRefused(String),
    #[error("the peer's static key is not one this side accepts")]
    UnknownPeerKey,
    #[error("the channel is not established yet")]
    NotEstablished,
    #[error("the channel was closed")]
    Closed,
    #[error("no such session")]
    UnknownSession,
    #[error("too many sessions or handshakes in progress: try later")]
    Busy,
    #[error("message of {0} bytes exceeds the limit")]
    TooLarge(usize),
    #[error("the peer refused the handshake: {0}")]
    Rejected(String),
}

pub type Result<T> = std::result::Result<T, ChannelError>;

/// Why a handshake failed, when it is neither tampering nor a refusal the
/// other variants of [`ChannelError`] name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("the handshake was already started")]
    AlreadyStarted,
    #[error("the {0} sent no static key")]
    NoStaticKey(Role),
    #[error("noise {0}")]
    Noise(NoiseError),
    #[error("no randomness for a session id: {0}")]
    Randomness(getrandom::Error),
    #[error("the {role}'s own evidence: {source}")]
    Evidence {
        role: Role,
        #[source]
        source: EvidenceError,
    },
}

impl From<HandshakeError> for ChannelError {
    fn from(e: HandshakeError) -> Self {
        ChannelError::Handshake(e)
    }
}

/// What the Noise implementation was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseStep {
    Parameters,
    KeyGeneration,
    /// Setting up the handshake state (keys, prologue).
    Setup,
    /// Reading or writing a handshake message.
    Message,
    /// Turning the finished handshake into transport keys.
    Transport,
    /// Encrypting a record.
    Seal,
}

impl std::fmt::Display for NoiseStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoiseStep::Parameters => "parameters",
            NoiseStep::KeyGeneration => "key generation",
            NoiseStep::Setup => "setup",
            NoiseStep::Message => "handshake message",
            NoiseStep::Transport => "transport keys",
            NoiseStep::Seal => "seal",
        })
    }
}

/// A failure of the Noise implementation at `step`, its error kept whole;
/// shared, so that [`ChannelError`] stays cloneable (a failed client
/// remembers why it failed).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{step}: {source}")]
pub struct NoiseError {
    pub step: NoiseStep,
    #[source]
    source: Arc<snow::Error>,
}

// snow's errors are plain enums compared field by field, none of them a
// float: their equality is total.
impl Eq for NoiseError {}

impl NoiseError {
    pub fn new(step: NoiseStep, source: snow::Error) -> Self {
        Self {
            step,
            source: Arc::new(source),
        }
    }
}
