//! The enclave's end of secure channels (`secgear-channel`): one session
//! table per enclave, with a static key made inside the enclave and bound
//! to the runtime's evidence in every handshake. The host passes handshake
//! frames through a built-in call; the enclave's own code decrypts the
//! records its ECALLs receive and encrypts what it sends back.
//!
//! Which clients are admitted (a static-key allow list, mutual attestation)
//! is set with [`configure`] before the first handshake.

use crate::context::{ChannelState, Context};
use secgear_abi::{Error, ErrorCode};
use secgear_channel::{ChannelError, Delivered, ServerConfig, SessionTable, wire::SessionId};
use std::time::Instant;

pub use crate::context::ChannelSettings;
pub use secgear_channel::{Delivered as Received, EvidenceVerifier, Refusal, wire};

fn channel_error(e: ChannelError) -> Error {
    let code = match e {
        ChannelError::UnknownSession => ErrorCode::ItemNotFound,
        ChannelError::Busy => ErrorCode::Busy,
        ChannelError::TooLarge(_) => ErrorCode::ExcessData,
        _ => ErrorCode::Security,
    };
    Error::new(code, format!("secure channel: {e}"))
}

/// Sets how clients are admitted. Only before the first handshake: the
/// sessions already made were admitted under the settings of their time.
pub fn configure(settings: ChannelSettings) -> Result<(), Error> {
    let ctx = Context::get()?;
    let mut state = ctx
        .channel
        .lock()
        .map_err(|_| Error::new(ErrorCode::BadState, "session table poisoned"))?;
    match &mut *state {
        ChannelState::Configuring(current) => {
            *current = settings;
            Ok(())
        }
        ChannelState::Serving(_) => Err(Error::new(
            ErrorCode::BadState,
            "the secure channel already serves clients; configure it before the first handshake",
        )),
    }
}

/// Runs `f` on the session table, making it on first use.
fn with_table<R>(
    ctx: &'static Context,
    f: impl FnOnce(&mut SessionTable) -> Result<R, ChannelError>,
) -> Result<R, Error> {
    let mut state = ctx
        .channel
        .lock()
        .map_err(|_| Error::new(ErrorCode::BadState, "session table poisoned"))?;
    if let ChannelState::Configuring(settings) = &mut *state {
        let settings = std::mem::take(settings);
        let key = secgear_channel::generate_static_key().map_err(channel_error)?;
        let platform = ctx.platform;
        let evidence = move |report_data: &[u8; 64]| {
            platform
                .report(report_data)
                .map(|e| e.0)
                .map_err(|e| e.to_string())
        };
        let mut config = ServerConfig::new(key, Box::new(evidence));
        config.client_keys = settings.client_keys;
        config.client_verifier = settings.client_verifier;
        config.max_sessions = settings.max_sessions;
        config.max_message = settings.max_message;
        *state = ChannelState::Serving(Box::new(SessionTable::new(config)));
    }
    match &mut *state {
        ChannelState::Serving(table) => f(table).map_err(channel_error),
        ChannelState::Configuring(_) => Err(Error::new(ErrorCode::BadState, "no session table")),
    }
}

/// One handshake step (the built-in call).
pub(crate) fn handshake(ctx: &'static Context, frame: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    with_table(ctx, |t| t.handshake(frame, Instant::now()))
}

/// A client's CLOSE record, relayed by a host library (the built-in call).
/// Only a record whose clear header says CLOSE is opened: application data
/// belongs to the application's ECALLs, and opening it here would lose it.
pub(crate) fn client_close(ctx: &'static Context, frame: &[u8]) -> Result<(), Error> {
    let parsed = wire::parse(frame).map_err(channel_error)?;
    let header = wire::RecordHeader::decode(parsed.payload).map_err(channel_error)?;
    if parsed.kind != wire::Kind::Record || header.rtype != wire::RecordType::Close {
        return Err(Error::bad_parameters(
            "only a CLOSE record may be relayed as a close",
        ));
    }
    with_table(ctx, |t| match t.decrypt(frame, Instant::now())? {
        (_, Delivered::Closed) => Ok(()),
        _ => Err(ChannelError::Malformed("not a close")),
    })
}

/// The session the original C API names by `short` ([`wire::short_id`]).
pub fn session_with_short_id(short: u64) -> Result<SessionId, Error> {
    with_table(Context::get()?, |t| {
        t.session_with_short_id(short)
            .ok_or(ChannelError::UnknownSession)
    })
}

/// Opens a record from a client: which session, and what it carried.
pub fn decrypt(frame: &[u8]) -> Result<(SessionId, Delivered), Error> {
    with_table(Context::get()?, |t| t.decrypt(frame, Instant::now()))
}

/// Encrypts a message for a session's client: the frames to hand the host.
pub fn encrypt(session: &SessionId, plain: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    with_table(Context::get()?, |t| {
        t.encrypt(session, plain, Instant::now())
    })
}

/// Ends a session: the authenticated CLOSE frame for its client.
pub fn close(session: &SessionId) -> Result<Vec<u8>, Error> {
    with_table(Context::get()?, |t| t.close(session))
}
