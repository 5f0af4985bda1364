//! One client's state: the channel, and the inbox the application's
//! receive path (`cc_sec_chl_client_callback`) fills while the handshake
//! waits on it. The callback may run inside `conn_kit.send` (the
//! send-then-read style) or on another thread: it only queues.

use secgear_abi::{Error, ErrorCode};
use secgear_channel::{ChannelError, ClientChannel, ClientConfig, Event, wire};
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Messages queued beyond this are refused: a peer cannot grow the inbox.
const MAX_QUEUED: usize = 16;

pub struct Handle {
    channel: Mutex<ClientChannel>,
    inbox: Mutex<VecDeque<Vec<u8>>>,
    arrived: Condvar,
    reply_timeout: Duration,
}

fn poisoned() -> Error {
    Error::new(ErrorCode::BadState, "secure channel state poisoned")
}

/// The original's code for each way a handshake fails.
fn handshake_error(e: ChannelError) -> Error {
    let code = match &e {
        ChannelError::EvidenceRefused(_) | ChannelError::BindingMismatch => {
            ErrorCode::SecChlInvalidReport
        }
        ChannelError::Rejected(_) => ErrorCode::SecChlGetSvrPubkey,
        _ => ErrorCode::SecChlGetPeerExchParam,
    };
    Error::new(code, format!("secure channel handshake: {e}"))
}

impl Handle {
    pub fn new(config: ClientConfig, reply_timeout: Duration) -> Result<Self, Error> {
        let channel = ClientChannel::new(config).map_err(handshake_error)?;
        Ok(Self {
            channel: Mutex::new(channel),
            inbox: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
            reply_timeout,
        })
    }

    pub fn channel(&self) -> Result<MutexGuard<'_, ClientChannel>, Error> {
        self.channel.lock().map_err(|_| poisoned())
    }

    /// Queues a message from the server.
    pub fn deliver(&self, message: &[u8]) -> Result<(), Error> {
        let mut inbox = self.inbox.lock().map_err(|_| poisoned())?;
        if inbox.len() >= MAX_QUEUED {
            return Err(Error::new(
                ErrorCode::SecChlRecvMsgLenInvalid,
                "too many unprocessed messages from the server",
            ));
        }
        inbox.push_back(message.to_vec());
        self.arrived.notify_all();
        Ok(())
    }

    fn next_message(&self) -> Result<Vec<u8>, Error> {
        let deadline = Instant::now() + self.reply_timeout;
        let mut inbox = self.inbox.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(m) = inbox.pop_front() {
                return Ok(m);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::new(
                    ErrorCode::SecChlWaitingRecvMsg,
                    format!(
                        "no reply from the server within {} ms (is cc_sec_chl_client_callback called?)",
                        self.reply_timeout.as_millis()
                    ),
                ));
            }
            inbox = self
                .arrived
                .wait_timeout(inbox, left)
                .map_err(|_| poisoned())?
                .0;
        }
    }

    /// Runs the handshake to the end: the session's short id once the
    /// enclave's evidence was verified. `send` sends one message.
    pub fn establish(
        &self,
        send: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        let hello = self.channel()?.start().map_err(handshake_error)?;
        send(&hello)?;
        loop {
            let message = self.next_message()?;
            let frames = wire::split(&message).map_err(|e| {
                Error::new(
                    ErrorCode::SecChlRecvMsgLenInvalid,
                    format!("the server's message is not frames: {e}"),
                )
            })?;
            if frames.is_empty() {
                return Err(Error::new(
                    ErrorCode::SecChlRecvMsgLenInvalid,
                    "an empty message from the server during the handshake",
                ));
            }
            let mut out = Vec::new();
            let mut established = false;
            {
                let mut channel = self.channel()?;
                for frame in frames {
                    match channel.handle_message(frame).map_err(handshake_error)? {
                        Event::Send(f) => out.extend(f),
                        Event::Established(f) => {
                            out.extend(f);
                            established = true;
                        }
                        other => {
                            return Err(Error::new(
                                ErrorCode::SecChlGetPeerExchParam,
                                format!("unexpected {other:?} during the handshake"),
                            ));
                        }
                    }
                }
            }
            // Never send with the channel locked: in the send-then-read
            // style the callback runs inside `send`.
            if !out.is_empty() {
                send(&out.concat())?;
            }
            if established {
                return Ok(wire::short_id(&self.channel()?.session()));
            }
        }
    }
}
