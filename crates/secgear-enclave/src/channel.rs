//! The enclave's end of secure channels (`secgear-channel`): one session
//! table per enclave, with a static key made inside the enclave and bound
//! to the runtime's evidence in every handshake. The host passes handshake
//! frames through a built-in call; the enclave's own code decrypts the
//! records its ECALLs receive and encrypts what it sends back.

use secgear_abi::{Error, ErrorCode};
use secgear_channel::{ChannelError, Delivered, ServerConfig, SessionTable, wire::SessionId};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

pub use secgear_channel::{Delivered as Received, wire};

static TABLE: OnceLock<Mutex<SessionTable>> = OnceLock::new();

fn channel_error(e: ChannelError) -> Error {
    let code = match e {
        ChannelError::UnknownSession => ErrorCode::ItemNotFound,
        ChannelError::Busy => ErrorCode::Busy,
        ChannelError::TooLarge(_) => ErrorCode::ExcessData,
        _ => ErrorCode::Security,
    };
    Error::new(code, format!("secure channel: {e}"))
}

fn table() -> Result<std::sync::MutexGuard<'static, SessionTable>, Error> {
    if TABLE.get().is_none() {
        let key = secgear_channel::generate_static_key().map_err(channel_error)?;
        let evidence = |report_data: &[u8; 64]| {
            crate::platform::report_reserved(report_data)
                .map(|e| e.0)
                .map_err(|e| e.to_string())
        };
        let mut config = ServerConfig::new(key, Box::new(evidence));
        // Enclave memory is scarce: bound what clients can make it hold.
        config.max_sessions = 256;
        config.max_message = 1 << 20;
        let _ = TABLE.set(Mutex::new(SessionTable::new(config)));
    }
    TABLE
        .get()
        .ok_or_else(|| Error::new(ErrorCode::BadState, "no session table"))?
        .lock()
        .map_err(|_| Error::new(ErrorCode::BadState, "session table poisoned"))
}

/// One handshake step (the built-in call).
pub(crate) fn handshake(frame: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    table()?
        .handshake(frame, Instant::now())
        .map_err(channel_error)
}

/// Opens a record from a client: which session, and what it carried.
pub fn decrypt(frame: &[u8]) -> Result<(SessionId, Delivered), Error> {
    table()?
        .decrypt(frame, Instant::now())
        .map_err(channel_error)
}

/// Encrypts a message for a session's client: the frames to hand the host.
pub fn encrypt(session: &SessionId, plain: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    table()?
        .encrypt(session, plain, Instant::now())
        .map_err(channel_error)
}

/// Ends a session: the authenticated CLOSE frame for its client.
pub fn close(session: &SessionId) -> Result<Vec<u8>, Error> {
    table()?.close(session).map_err(channel_error)
}
