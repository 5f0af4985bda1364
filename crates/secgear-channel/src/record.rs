//! The record layer of an established session: one key per direction (the
//! Noise split), a 64-bit counter per direction used as the AEAD nonce and
//! checked before decryption, deterministic rekeying, chunked messages.

use crate::error::{ChannelError, NoiseError, NoiseStep, Result};
use crate::wire::{
    self, Direction, FLAG_FINAL, Kind, MAX_CHUNK, RECORD_HEADER, RecordHeader, RecordType,
    SessionId, TAG,
};
use zeroize::Zeroizing;

/// What an opened record carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// Evidence (attestation) from the peer.
    Attest(Vec<u8>),
    /// A chunk of a message; `final` ends it.
    Data { chunk: Vec<u8>, last: bool },
    /// The peer closed the session (authenticated).
    Close,
}

pub struct RecordLayer {
    transport: snow::StatelessTransportState,
    session: SessionId,
    outgoing: Direction,
    send_counter: u64,
    recv_counter: u64,
    rekey_after: u64,
    closed: bool,
    /// Plaintext of the record being sealed or opened, reused (and wiped
    /// when the session ends).
    scratch: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for RecordLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counters only: the keys stay out of logs.
        f.debug_struct("RecordLayer")
            .field("send_counter", &self.send_counter)
            .field("recv_counter", &self.recv_counter)
            .finish_non_exhaustive()
    }
}

impl RecordLayer {
    pub fn new(
        transport: snow::StatelessTransportState,
        session: SessionId,
        outgoing: Direction,
        rekey_after: u64,
    ) -> Self {
        Self {
            transport,
            session,
            outgoing,
            send_counter: 0,
            recv_counter: 0,
            rekey_after: rekey_after.max(1),
            closed: false,
            // Sized once for the largest record, so it never reallocates
            // (a reallocation would free plaintext without wiping it).
            scratch: Zeroizing::new(Vec::with_capacity(wire::NOISE_MAX)),
        }
    }

    pub fn session(&self) -> SessionId {
        self.session
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn incoming(&self) -> Direction {
        match self.outgoing {
            Direction::ToEnclave => Direction::ToClient,
            Direction::ToClient => Direction::ToEnclave,
        }
    }

    /// Seals one record as a frame.
    pub fn seal(&mut self, rtype: RecordType, data: &[u8], last: bool) -> Result<Vec<u8>> {
        if self.closed {
            return Err(ChannelError::Closed);
        }
        if data.len() > MAX_CHUNK {
            return Err(ChannelError::TooLarge(data.len()));
        }
        let header = RecordHeader {
            counter: self.send_counter,
            direction: self.outgoing,
            rtype,
            flags: if last { FLAG_FINAL } else { 0 },
            length: data.len() as u32,
        }
        .encode();
        self.scratch.clear();
        self.scratch.extend_from_slice(&header);
        self.scratch.extend_from_slice(data);
        // One buffer: frame header, record header, then the ciphertext
        // written in place.
        let sealed_len = self.scratch.len() + TAG;
        let mut frame = Vec::with_capacity(wire::FRAME_HEADER + RECORD_HEADER + sealed_len);
        wire::push_header(
            &mut frame,
            Kind::Record,
            &self.session,
            RECORD_HEADER + sealed_len,
        );
        frame.extend_from_slice(&header);
        let start = frame.len();
        frame.resize(start + sealed_len, 0);
        let n = self
            .transport
            .write_message(self.send_counter, &self.scratch, &mut frame[start..])
            .map_err(|e| ChannelError::Seal(NoiseError::new(NoiseStep::Seal, e)))?;
        frame.truncate(start + n);
        self.send_counter += 1;
        if self.send_counter.is_multiple_of(self.rekey_after) {
            self.transport.rekey_outgoing();
        }
        if rtype == RecordType::Close {
            self.closed = true;
        }
        Ok(frame)
    }

    /// Opens a record payload (the frame's payload). Every check that needs
    /// no key comes first; a failed record closes nothing by itself, but the
    /// caller should treat the session as under attack.
    pub fn open(&mut self, record: &[u8]) -> Result<Opened> {
        if self.closed {
            return Err(ChannelError::Closed);
        }
        let header = RecordHeader::decode(record)?;
        if header.direction == self.outgoing {
            return Err(ChannelError::Reflected);
        }
        if header.direction != self.incoming() {
            return Err(ChannelError::Malformed("record direction"));
        }
        let expected = self.recv_counter;
        if header.counter < expected {
            return Err(ChannelError::Replayed {
                got: header.counter,
                expected,
            });
        }
        if header.counter > expected {
            return Err(ChannelError::OutOfOrder {
                got: header.counter,
                expected,
            });
        }
        let ciphertext = &record[RECORD_HEADER..];
        let expected_len = usize::try_from(header.length)
            .ok()
            .and_then(|n| n.checked_add(RECORD_HEADER + TAG));
        if expected_len != Some(ciphertext.len()) {
            return Err(ChannelError::Truncated);
        }
        let plain = &mut self.scratch;
        plain.resize(ciphertext.len(), 0);
        let n = self
            .transport
            .read_message(header.counter, ciphertext, plain)
            .map_err(|_| ChannelError::Tampered)?;
        let inner = plain.get(..RECORD_HEADER).ok_or(ChannelError::Tampered)?;
        if inner != header.encode() || n != RECORD_HEADER + header.length as usize {
            return Err(ChannelError::Tampered);
        }
        self.recv_counter += 1;
        if self.recv_counter.is_multiple_of(self.rekey_after) {
            self.transport.rekey_incoming();
        }
        let data = self.scratch[RECORD_HEADER..n].to_vec();
        Ok(match header.rtype {
            RecordType::Attest => Opened::Attest(data),
            RecordType::Data => Opened::Data {
                chunk: data,
                last: header.flags & FLAG_FINAL != 0,
            },
            RecordType::Close => {
                self.closed = true;
                Opened::Close
            }
        })
    }

    /// Seals a message as records of at most [`MAX_CHUNK`] bytes.
    pub fn seal_message(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>> {
        if message.is_empty() {
            return Ok(vec![self.seal(RecordType::Data, &[], true)?]);
        }
        let chunks: Vec<&[u8]> = message.chunks(MAX_CHUNK).collect();
        let last = chunks.len() - 1;
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| self.seal(RecordType::Data, chunk, i == last))
            .collect()
    }
}

/// Gathers chunks into whole messages, up to a size limit.
#[derive(Debug)]
pub struct Reassembly {
    partial: Zeroizing<Vec<u8>>,
    max_message: usize,
    /// Dropping the rest of a message that grew too large, up to its last chunk.
    discarding: bool,
}

impl Reassembly {
    pub fn new(max_message: usize) -> Self {
        Self {
            partial: Zeroizing::new(Vec::new()),
            max_message,
            discarding: false,
        }
    }

    /// Bytes held for a message still arriving.
    pub fn buffered(&self) -> usize {
        self.partial.len()
    }

    /// Adds a chunk; the whole message once its last chunk arrived. A
    /// message over the limit is refused once, and its remaining chunks are
    /// dropped, so no tail of it is ever taken for a message.
    pub fn push(&mut self, chunk: &[u8], last: bool) -> Result<Option<Vec<u8>>> {
        if self.discarding {
            self.discarding = !last;
            return Ok(None);
        }
        let total = self.partial.len() + chunk.len();
        if total > self.max_message {
            // Wipe what was gathered, not just forget it.
            self.partial = Zeroizing::new(Vec::new());
            self.discarding = !last;
            return Err(ChannelError::TooLarge(total));
        }
        self.partial.extend_from_slice(chunk);
        Ok(last.then(|| std::mem::take(&mut *self.partial)))
    }
}
