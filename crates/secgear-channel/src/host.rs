//! The untrusted host's part: it holds no keys and reads nothing; it only
//! routes frames between client connections and the enclave by session id
//! (the original's `init` / `callback` / `fini`).

use crate::error::{ChannelError, Result};
use crate::wire::{self, Kind, SessionId};
use std::collections::HashMap;

/// A client connection, as the application numbers them.
pub type ConnId = u64;

/// Where a frame from a client goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A handshake frame: give it to the enclave's handshake call and send
    /// what comes back to the same connection (after [`ChannelHost::note_reply`]).
    Handshake,
    /// A record: give it to the application's ECALL, which decrypts it
    /// inside the enclave.
    Record(SessionId),
}

#[derive(Debug, Default)]
pub struct ChannelHost {
    owners: HashMap<SessionId, ConnId>,
}

impl ChannelHost {
    pub fn init() -> Self {
        Self::default()
    }

    /// Classifies a frame from `conn`. Frames for a session another
    /// connection owns are refused.
    pub fn callback(&mut self, conn: ConnId, frame: &[u8]) -> Result<Route> {
        let f = wire::parse(frame)?;
        match f.kind {
            Kind::Hello => Ok(Route::Handshake),
            Kind::Handshake | Kind::Record => {
                match self.owners.get(&f.session) {
                    Some(owner) if *owner == conn => {}
                    _ => return Err(ChannelError::UnknownSession),
                }
                Ok(if f.kind == Kind::Handshake {
                    Route::Handshake
                } else {
                    Route::Record(f.session)
                })
            }
            Kind::Reject => Err(ChannelError::Malformed("clients do not send REJECT")),
        }
    }

    /// Learns, from the enclave's handshake reply, which session `conn` has.
    pub fn note_reply(&mut self, conn: ConnId, reply: &[u8]) {
        if let Ok(f) = wire::parse(reply)
            && f.kind == Kind::Handshake
        {
            self.owners.insert(f.session, conn);
        }
    }

    pub fn connection_of(&self, session: &SessionId) -> Option<ConnId> {
        self.owners.get(session).copied()
    }

    /// Forgets a closed connection's sessions (the enclave keeps them until
    /// an authenticated close or its idle timeout).
    pub fn fini(&mut self, conn: ConnId) {
        self.owners.retain(|_, owner| *owner != conn);
    }
}
