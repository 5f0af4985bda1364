//! The client (data owner): starts the handshake, checks the enclave's
//! evidence against the handshake it saw, then encrypts and decrypts.
//!
//! ```text
//! client                         host (relays)                  enclave
//! HELLO  (Noise e)          ─────────────────────────────────▶  reply: HANDSHAKE (e, ee, s, es) + session id
//! HANDSHAKE (s, se)         ─────────────────────────────────▶  split keys; evidence over binding(h, s)
//!                           ◀─────────────────────────────────  RECORD ATTEST
//! verify evidence + binding → established (optionally: own ATTEST for mutual attestation)
//! ```

use crate::binding::{EvidenceProvider, EvidenceVerifier, Refusal, Role, report_data};
use crate::error::{ChannelError, HandshakeError, NoiseStep, Result};
use crate::noise;
use crate::record::{Opened, Reassembly, RecordLayer};
use crate::wire::{self, Direction, Kind, RecordType, SessionId};

pub struct ClientConfig {
    pub verifier: Box<dyn EvidenceVerifier>,
    /// The client's static key pair (X25519 private, public), e.g. from
    /// [`crate::generate_static_key`]; a fresh one when `None`. Give one to
    /// be recognised by an enclave that checks client keys.
    pub static_key: Option<(zeroize::Zeroizing<Vec<u8>>, Vec<u8>)>,
    /// When the client is itself an enclave: its evidence, for mutual attestation.
    pub own_evidence: Option<Box<dyn EvidenceProvider>>,
    pub rekey_after: u64,
    pub max_message: usize,
}

impl ClientConfig {
    pub fn new(verifier: Box<dyn EvidenceVerifier>) -> Self {
        Self {
            verifier,
            static_key: None,
            own_evidence: None,
            rekey_after: crate::DEFAULT_REKEY_AFTER,
            max_message: crate::DEFAULT_MAX_MESSAGE,
        }
    }
}

enum State {
    Start(Box<snow::HandshakeState>),
    SentHello(Box<snow::HandshakeState>),
    AwaitingAttestation {
        records: RecordLayer,
        binding: [u8; 64],
        own_binding: [u8; 64],
    },
    Established(RecordLayer),
    Failed(ChannelError),
}

/// What handling a message from the enclave produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// Send these frames to the enclave (through the host).
    Send(Vec<Vec<u8>>),
    /// The enclave proved itself; the channel is ready (and these frames,
    /// if any, must still be sent).
    Established(Vec<Vec<u8>>),
    /// A whole message arrived.
    Message(Vec<u8>),
    /// Part of a message arrived; more chunks follow.
    Partial,
    /// The enclave closed the channel.
    Closed,
}

pub struct ClientChannel {
    config: ClientConfig,
    public_key: Vec<u8>,
    state: State,
    session: SessionId,
    inbox: Reassembly,
}

impl std::fmt::Debug for ClientChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientChannel")
            .field("established", &self.is_established())
            .finish_non_exhaustive()
    }
}

impl ClientChannel {
    pub fn new(config: ClientConfig) -> Result<Self> {
        let (key, public_key) = match &config.static_key {
            Some(pair) => pair.clone(),
            None => noise::generate_static_key()?,
        };
        let prologue = noise::prologue(config.rekey_after);
        let handshake = snow::Builder::new(noise::params()?)
            .local_private_key(&key)
            .map_err(noise::handshake_error(NoiseStep::Setup))?
            .prologue(&prologue)
            .map_err(noise::handshake_error(NoiseStep::Setup))?
            .build_initiator()
            .map_err(noise::handshake_error(NoiseStep::Setup))?;
        let inbox = Reassembly::new(config.max_message);
        Ok(Self {
            config,
            public_key,
            state: State::Start(Box::new(handshake)),
            session: [0; 16],
            inbox,
        })
    }

    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Established(_))
    }

    /// The session id the enclave assigned (zero before its first reply).
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The first frame: HELLO.
    pub fn start(&mut self) -> Result<Vec<u8>> {
        let State::Start(mut hs) =
            std::mem::replace(&mut self.state, State::Failed(ChannelError::NotEstablished))
        else {
            return Err(HandshakeError::AlreadyStarted.into());
        };
        let mut buf = vec![0u8; wire::NOISE_MAX];
        let n = hs
            .write_message(&[], &mut buf)
            .map_err(noise::handshake_error(NoiseStep::Message))?;
        buf.truncate(n);
        self.state = State::SentHello(hs);
        Ok(wire::frame(Kind::Hello, &[0; 16], &buf))
    }

    fn fail(&mut self, e: ChannelError) -> ChannelError {
        self.state = State::Failed(e.clone());
        e
    }

    /// Handles one frame from the enclave. Any failure during the handshake
    /// ends the channel; a bad record after it is refused and ends it too
    /// (the host is tampering).
    pub fn handle_message(&mut self, bytes: &[u8]) -> Result<Event> {
        let frame = wire::parse(bytes)?;
        if frame.kind == Kind::Reject {
            // Unauthenticated: it may end a handshake (the host could stall
            // that anyway), never an established channel.
            if self.is_established() {
                return Err(ChannelError::Malformed(
                    "an unauthenticated REJECT was ignored",
                ));
            }
            let reason = String::from_utf8_lossy(frame.payload).into_owned();
            return Err(self.fail(ChannelError::Rejected(reason)));
        }
        match std::mem::replace(&mut self.state, State::Failed(ChannelError::NotEstablished)) {
            State::SentHello(mut hs) => {
                if frame.kind != Kind::Handshake || frame.session == [0; 16] {
                    return Err(self.fail(ChannelError::Malformed("expected the handshake reply")));
                }
                let mut scratch = vec![0u8; wire::NOISE_MAX];
                if let Err(e) = hs.read_message(frame.payload, &mut scratch) {
                    return Err(self.fail(noise::handshake_error(NoiseStep::Message)(e)));
                }
                let enclave_key = match hs.get_remote_static() {
                    Some(k) => k.to_vec(),
                    None => {
                        return Err(self.fail(HandshakeError::NoStaticKey(Role::Enclave).into()));
                    }
                };
                let mut msg3 = vec![0u8; wire::NOISE_MAX];
                let n = match hs.write_message(&[], &mut msg3) {
                    Ok(n) => n,
                    Err(e) => return Err(self.fail(noise::handshake_error(NoiseStep::Message)(e))),
                };
                msg3.truncate(n);
                let hash = hs.get_handshake_hash().to_vec();
                let binding = report_data(Role::Enclave, &hash, &enclave_key);
                let own_binding = report_data(Role::Client, &hash, &self.public_key);
                let transport = match hs.into_stateless_transport_mode() {
                    Ok(t) => t,
                    Err(e) => {
                        return Err(self.fail(noise::handshake_error(NoiseStep::Transport)(e)));
                    }
                };
                self.session = frame.session;
                self.state = State::AwaitingAttestation {
                    records: RecordLayer::new(
                        transport,
                        frame.session,
                        Direction::ToEnclave,
                        self.config.rekey_after,
                    ),
                    binding,
                    own_binding,
                };
                Ok(Event::Send(vec![wire::frame(
                    Kind::Handshake,
                    &frame.session,
                    &msg3,
                )]))
            }
            State::AwaitingAttestation {
                mut records,
                binding,
                own_binding,
            } => {
                if frame.kind != Kind::Record || frame.session != self.session {
                    return Err(self.fail(ChannelError::Malformed(
                        "expected the enclave's attestation",
                    )));
                }
                let evidence = match records.open(frame.payload) {
                    Ok(Opened::Attest(evidence)) => evidence,
                    Ok(_) => {
                        return Err(self.fail(ChannelError::Malformed(
                            "expected the enclave's attestation",
                        )));
                    }
                    Err(e) => return Err(self.fail(e)),
                };
                if let Err(refusal) = self.config.verifier.verify(&evidence, &binding) {
                    let e = match refusal {
                        Refusal::Binding => ChannelError::BindingMismatch,
                        Refusal::Evidence(why) => ChannelError::EvidenceRefused(why),
                    };
                    return Err(self.fail(e));
                }
                let mut out = Vec::new();
                if let Some(provider) = &self.config.own_evidence {
                    // Mutual attestation: our evidence, bound to our own static key.
                    let own = match provider.evidence(&own_binding) {
                        Ok(ev) => ev,
                        Err(source) => {
                            return Err(self.fail(
                                HandshakeError::Evidence {
                                    role: Role::Client,
                                    source,
                                }
                                .into(),
                            ));
                        }
                    };
                    match records.seal(RecordType::Attest, &own, true) {
                        Ok(f) => out.push(f),
                        Err(e) => return Err(self.fail(e)),
                    }
                }
                self.state = State::Established(records);
                Ok(Event::Established(out))
            }
            State::Established(mut records) => {
                if frame.kind != Kind::Record || frame.session != self.session {
                    self.state = State::Established(records);
                    return Err(ChannelError::Malformed("not a record of this session"));
                }
                match records.open(frame.payload) {
                    Ok(Opened::Data { chunk, last }) => {
                        let done = self.inbox.push(&chunk, last);
                        self.state = State::Established(records);
                        Ok(match done? {
                            Some(message) => Event::Message(message),
                            None => Event::Partial,
                        })
                    }
                    Ok(Opened::Close) => {
                        self.state = State::Failed(ChannelError::Closed);
                        Ok(Event::Closed)
                    }
                    Ok(Opened::Attest(_)) => {
                        self.state = State::Established(records);
                        Err(ChannelError::Malformed("unexpected attestation"))
                    }
                    // A bad record is refused and changes nothing: a host
                    // that injects garbage cannot end the channel.
                    Err(e) => {
                        self.state = State::Established(records);
                        Err(e)
                    }
                }
            }
            State::Failed(e) => {
                self.state = State::Failed(e.clone());
                Err(e)
            }
            State::Start(hs) => {
                self.state = State::Start(hs);
                Err(ChannelError::NotEstablished)
            }
        }
    }

    fn records(&mut self) -> Result<&mut RecordLayer> {
        match &mut self.state {
            State::Established(r) => Ok(r),
            State::Failed(e) => Err(e.clone()),
            _ => Err(ChannelError::NotEstablished),
        }
    }

    /// Encrypts a message for the enclave: one frame per chunk.
    pub fn encrypt(&mut self, plain: &[u8]) -> Result<Vec<Vec<u8>>> {
        if plain.len() > self.config.max_message {
            return Err(ChannelError::TooLarge(plain.len()));
        }
        self.records()?.seal_message(plain)
    }

    /// Streaming: one chunk (at most `wire::MAX_CHUNK` bytes) of a message
    /// whose end `last` marks.
    pub fn encrypt_chunk(&mut self, chunk: &[u8], last: bool) -> Result<Vec<u8>> {
        self.records()?.seal(RecordType::Data, chunk, last)
    }

    /// Decrypts a frame from the enclave: `Some(message)` once a message is whole.
    pub fn decrypt(&mut self, frame: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.handle_message(frame)? {
            Event::Message(m) => Ok(Some(m)),
            Event::Partial => Ok(None),
            Event::Closed => Err(ChannelError::Closed),
            _ => Err(ChannelError::Malformed("not a data record")),
        }
    }

    /// An authenticated close for the enclave; the channel is unusable after.
    pub fn close(&mut self) -> Result<Vec<u8>> {
        let frame = self.records()?.seal(RecordType::Close, &[], true)?;
        self.state = State::Failed(ChannelError::Closed);
        Ok(frame)
    }
}
