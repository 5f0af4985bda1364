/// Why a channel refused something. Each kind of tampering has its own
/// variant, so a caller (and a test) can tell what the peer or the host did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    #[error("protocol version {0} is not supported (this side speaks {VERSION})", VERSION = crate::wire::VERSION)]
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
    Handshake(String),
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
