//! The enclave's side: a bounded table of sessions, each a handshake in
//! progress or an established record layer, expired when idle. Handshake
//! work is bounded: a HELLO is refused before any Diffie-Hellman when the
//! table or the handshakes in progress are at their limit.

use crate::binding::{EvidenceProvider, EvidenceVerifier, Role, report_data};
use crate::error::{ChannelError, HandshakeError, NoiseStep, Result};
use crate::noise;
use crate::record::{Opened, Reassembly, RecordLayer};
use crate::wire::{self, Direction, Kind, RecordType, SessionId};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub struct ServerConfig {
    /// The enclave's static key pair (private, public).
    pub static_key: (zeroize::Zeroizing<Vec<u8>>, Vec<u8>),
    /// Evidence over report data (the enclave runtime's report).
    pub evidence: Box<dyn EvidenceProvider>,
    /// Client static keys accepted; `None`: any client.
    pub client_keys: Option<Vec<Vec<u8>>>,
    /// Mutual attestation: the client's evidence must satisfy this.
    pub client_verifier: Option<Box<dyn EvidenceVerifier>>,
    pub max_sessions: usize,
    pub max_handshakes: usize,
    pub idle_timeout: Duration,
    /// How long a handshake may wait for the client's second message: short,
    /// so that idle HELLOs cannot hold the handshake slots.
    pub handshake_timeout: Duration,
    pub rekey_after: u64,
    pub max_message: usize,
}

impl ServerConfig {
    pub fn new(
        static_key: (zeroize::Zeroizing<Vec<u8>>, Vec<u8>),
        evidence: Box<dyn EvidenceProvider>,
    ) -> Self {
        Self {
            static_key,
            evidence,
            client_keys: None,
            client_verifier: None,
            max_sessions: 1024,
            max_handshakes: 64,
            idle_timeout: Duration::from_secs(300),
            handshake_timeout: Duration::from_secs(10),
            rekey_after: crate::DEFAULT_REKEY_AFTER,
            max_message: crate::DEFAULT_MAX_MESSAGE,
        }
    }
}

enum Phase {
    Handshaking(Box<snow::HandshakeState>),
    /// Established, waiting for the client's evidence (mutual attestation).
    AwaitingClient {
        records: RecordLayer,
        binding: [u8; 64],
    },
    Open {
        records: RecordLayer,
        inbox: Reassembly,
    },
}

struct Session {
    phase: Phase,
    last_active: Instant,
}

/// What a record for an established session carried.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivered {
    Message(Vec<u8>),
    Partial,
    /// The client closed the session; it is gone.
    Closed,
}

pub struct SessionTable {
    config: ServerConfig,
    sessions: HashMap<SessionId, Session>,
}

impl std::fmt::Debug for SessionTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTable")
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

fn random_session() -> Result<SessionId> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(HandshakeError::Randomness)?;
    Ok(id)
}

fn reject(reason: &ChannelError) -> Vec<u8> {
    wire::frame(Kind::Reject, &[0; 16], reason.to_string().as_bytes())
}

impl SessionTable {
    pub fn new(config: ServerConfig) -> Self {
        Self {
            config,
            sessions: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    fn handshakes(&self) -> usize {
        self.sessions
            .values()
            .filter(|s| matches!(s.phase, Phase::Handshaking(_)))
            .count()
    }

    /// The session whose [`wire::short_id`] is `short`.
    pub fn session_with_short_id(&self, short: u64) -> Option<SessionId> {
        self.sessions
            .keys()
            .find(|id| wire::short_id(id) == short)
            .copied()
    }

    /// Drops sessions idle for longer than the timeout, and handshakes
    /// older than the handshake timeout.
    pub fn expire(&mut self, now: Instant) {
        let (idle, handshake) = (self.config.idle_timeout, self.config.handshake_timeout);
        self.sessions.retain(|_, s| {
            let limit = match s.phase {
                Phase::Handshaking(_) => handshake,
                _ => idle,
            };
            now.saturating_duration_since(s.last_active) < limit
        });
    }

    /// Handles a handshake frame (HELLO or the client's second message);
    /// returns the frames to send back. A refused HELLO gets a REJECT
    /// frame, not an error: the client learns why.
    pub fn handshake(&mut self, bytes: &[u8], now: Instant) -> Result<Vec<Vec<u8>>> {
        self.expire(now);
        let frame = wire::parse(bytes)?;
        match frame.kind {
            Kind::Hello => {
                if frame.session != [0; 16] {
                    return Err(ChannelError::Malformed("a HELLO carries no session id"));
                }
                // Cheap checks before any public-key work.
                if self.sessions.len() >= self.config.max_sessions
                    || self.handshakes() >= self.config.max_handshakes
                {
                    return Ok(vec![reject(&ChannelError::Busy)]);
                }
                let prologue = noise::prologue(self.config.rekey_after);
                let mut hs = snow::Builder::new(noise::params()?)
                    .local_private_key(&self.config.static_key.0)
                    .map_err(noise::handshake_error(NoiseStep::Setup))?
                    .prologue(&prologue)
                    .map_err(noise::handshake_error(NoiseStep::Setup))?
                    .build_responder()
                    .map_err(noise::handshake_error(NoiseStep::Setup))?;
                let mut scratch = vec![0u8; wire::NOISE_MAX];
                hs.read_message(frame.payload, &mut scratch)
                    .map_err(noise::handshake_error(NoiseStep::Message))?;
                let mut reply = vec![0u8; wire::NOISE_MAX];
                let n = hs
                    .write_message(&[], &mut reply)
                    .map_err(noise::handshake_error(NoiseStep::Message))?;
                reply.truncate(n);
                // Distinct short ids too: the C API names sessions by them.
                let mut id = random_session()?;
                while self.session_with_short_id(wire::short_id(&id)).is_some() {
                    id = random_session()?;
                }
                self.sessions.insert(
                    id,
                    Session {
                        phase: Phase::Handshaking(Box::new(hs)),
                        last_active: now,
                    },
                );
                Ok(vec![wire::frame(Kind::Handshake, &id, &reply)])
            }
            Kind::Handshake => {
                let id = frame.session;
                let session = self
                    .sessions
                    .remove(&id)
                    .ok_or(ChannelError::UnknownSession)?;
                let Phase::Handshaking(mut hs) = session.phase else {
                    // Not in a handshake: leave the session as it was.
                    self.sessions.insert(id, session);
                    return Err(ChannelError::Malformed("the session's handshake is over"));
                };
                let mut scratch = vec![0u8; wire::NOISE_MAX];
                hs.read_message(frame.payload, &mut scratch)
                    .map_err(noise::handshake_error(NoiseStep::Message))?;
                let client_key = hs
                    .get_remote_static()
                    .ok_or(HandshakeError::NoStaticKey(Role::Client))?
                    .to_vec();
                if let Some(allowed) = &self.config.client_keys
                    && !allowed.contains(&client_key)
                {
                    return Err(ChannelError::UnknownPeerKey);
                }
                let hash = hs.get_handshake_hash().to_vec();
                let transport = hs
                    .into_stateless_transport_mode()
                    .map_err(noise::handshake_error(NoiseStep::Transport))?;
                let mut records =
                    RecordLayer::new(transport, id, Direction::ToClient, self.config.rekey_after);
                let evidence = self
                    .config
                    .evidence
                    .evidence(&report_data(
                        Role::Enclave,
                        &hash,
                        &self.config.static_key.1,
                    ))
                    .map_err(|source| HandshakeError::Evidence {
                        role: Role::Enclave,
                        source,
                    })?;
                let attest = records.seal(RecordType::Attest, &evidence, true)?;
                let phase = if self.config.client_verifier.is_some() {
                    Phase::AwaitingClient {
                        records,
                        binding: report_data(Role::Client, &hash, &client_key),
                    }
                } else {
                    Phase::Open {
                        records,
                        inbox: Reassembly::new(self.config.max_message),
                    }
                };
                self.sessions.insert(
                    id,
                    Session {
                        phase,
                        last_active: now,
                    },
                );
                Ok(vec![attest])
            }
            _ => Err(ChannelError::Malformed("not a handshake frame")),
        }
    }

    /// Opens a record for its session. A record that fails a check is
    /// refused and changes nothing: the session goes on, so a host that
    /// injects garbage (a forged close, say) cannot end it.
    pub fn decrypt(&mut self, bytes: &[u8], now: Instant) -> Result<(SessionId, Delivered)> {
        let frame = wire::parse(bytes)?;
        if frame.kind != Kind::Record {
            return Err(ChannelError::Malformed("not a record"));
        }
        let id = frame.session;
        let max_message = self.config.max_message;
        let session = self
            .sessions
            .get_mut(&id)
            .ok_or(ChannelError::UnknownSession)?;
        let delivered = match &mut session.phase {
            Phase::Handshaking(_) => return Err(ChannelError::NotEstablished),
            Phase::AwaitingClient { records, binding } => match records.open(frame.payload)? {
                Opened::Attest(evidence) => {
                    let verifier = self
                        .config
                        .client_verifier
                        .as_ref()
                        .ok_or(ChannelError::NotEstablished)?;
                    if let Err(refusal) = verifier.verify(&evidence, binding) {
                        // The client failed to prove itself: the session ends.
                        self.sessions.remove(&id);
                        return Err(ChannelError::EvidenceRefused(refusal.to_string()));
                    }
                    let Some(Session { phase, .. }) = self.sessions.remove(&id) else {
                        return Err(ChannelError::UnknownSession);
                    };
                    let Phase::AwaitingClient { records, .. } = phase else {
                        return Err(ChannelError::NotEstablished);
                    };
                    self.sessions.insert(
                        id,
                        Session {
                            phase: Phase::Open {
                                records,
                                inbox: Reassembly::new(max_message),
                            },
                            last_active: now,
                        },
                    );
                    return Ok((id, Delivered::Partial));
                }
                Opened::Close => Delivered::Closed,
                Opened::Data { .. } => return Err(ChannelError::NotEstablished),
            },
            Phase::Open { records, inbox } => match records.open(frame.payload)? {
                Opened::Data { chunk, last } => match inbox.push(&chunk, last)? {
                    Some(m) => Delivered::Message(m),
                    None => Delivered::Partial,
                },
                Opened::Close => Delivered::Closed,
                Opened::Attest(_) => return Err(ChannelError::Malformed("unexpected attestation")),
            },
        };
        if delivered == Delivered::Closed {
            self.sessions.remove(&id);
        } else {
            session.last_active = now;
        }
        Ok((id, delivered))
    }

    fn open_records(&mut self, id: &SessionId) -> Result<&mut RecordLayer> {
        match self.sessions.get_mut(id).map(|s| &mut s.phase) {
            Some(Phase::Open { records, .. }) => Ok(records),
            Some(_) => Err(ChannelError::NotEstablished),
            None => Err(ChannelError::UnknownSession),
        }
    }

    /// Encrypts a message for the session's client.
    pub fn encrypt(&mut self, id: &SessionId, plain: &[u8], now: Instant) -> Result<Vec<Vec<u8>>> {
        if plain.len() > self.config.max_message {
            return Err(ChannelError::TooLarge(plain.len()));
        }
        if let Some(s) = self.sessions.get_mut(id) {
            s.last_active = now;
        }
        self.open_records(id)?.seal_message(plain)
    }

    /// Closes a session from the enclave's side: the authenticated CLOSE to send.
    pub fn close(&mut self, id: &SessionId) -> Result<Vec<u8>> {
        let frame = self.open_records(id)?.seal(RecordType::Close, &[], true)?;
        self.sessions.remove(id);
        Ok(frame)
    }
}
