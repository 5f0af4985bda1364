//! The bytes on the wire. Everything is little-endian with explicit lengths,
//! checked before use; nothing here trusts the peer or the host.
//!
//! ```text
//! frame   = "SGC1" | version u8 | kind u8 | reserved u16 (0) | session id [16] | length u32 | payload
//! kinds   : 1 HELLO (Noise message 1, session id zero), 2 HANDSHAKE (messages 2 and 3),
//!           3 RECORD, 4 REJECT (plaintext reason; informational, not authenticated)
//! record  = header (16) | AEAD ciphertext of (header | data)
//! header  = counter u64 | direction u8 | type u8 | flags u8 | reserved u8 (0) | data length u32
//! types   : 1 ATTEST (evidence), 2 DATA (FINAL flag ends a message), 3 CLOSE
//! ```
//! The record header is sent in the clear for routing and cheap checks, and
//! again inside the ciphertext, where the AEAD authenticates it.

use crate::error::{ChannelError, Result};

pub const MAGIC: [u8; 4] = *b"SGC1";
pub use crate::VERSION;
pub const FRAME_HEADER: usize = 28;
pub const RECORD_HEADER: usize = 16;
pub const TAG: usize = 16;
/// Noise's largest message.
pub const NOISE_MAX: usize = 65_535;
/// Most data bytes in one record.
pub const MAX_CHUNK: usize = NOISE_MAX - TAG - RECORD_HEADER;
/// Largest payload a frame may claim: a record of the largest chunk.
pub const MAX_PAYLOAD: usize = NOISE_MAX + RECORD_HEADER;

pub type SessionId = [u8; 16];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hello = 1,
    Handshake = 2,
    Record = 3,
    Reject = 4,
}

impl Kind {
    fn from_u8(b: u8) -> Result<Self> {
        Ok(match b {
            1 => Kind::Hello,
            2 => Kind::Handshake,
            3 => Kind::Record,
            4 => Kind::Reject,
            _ => return Err(ChannelError::Malformed("unknown frame kind")),
        })
    }
}

/// A frame, borrowed from the bytes it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub kind: Kind,
    pub session: SessionId,
    pub payload: &'a [u8],
}

/// Builds a frame.
pub fn frame(kind: Kind, session: &SessionId, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_HEADER + payload.len());
    push_header(&mut out, kind, session, payload.len());
    out.extend_from_slice(payload);
    out
}

/// Appends a frame header for a payload of `len` bytes (written next).
pub fn push_header(out: &mut Vec<u8>, kind: Kind, session: &SessionId, len: usize) {
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(kind as u8);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(session);
    out.extend_from_slice(&(len as u32).to_le_bytes());
}

/// The length of the first frame in `bytes`, once its header is complete:
/// for splitting a byte stream into frames.
pub fn frame_len(bytes: &[u8]) -> Result<Option<usize>> {
    let Some(header) = bytes.get(..FRAME_HEADER) else {
        return Ok(None);
    };
    check_header(header)?;
    let len = read_u32(header, 24)? as usize;
    if len > MAX_PAYLOAD {
        return Err(ChannelError::TooLarge(len));
    }
    Ok(Some(FRAME_HEADER + len))
}

fn check_header(header: &[u8]) -> Result<()> {
    if header.get(..4) != Some(&MAGIC[..]) {
        return Err(ChannelError::Malformed("bad magic"));
    }
    match header.get(4) {
        Some(&VERSION) => {}
        Some(&v) => return Err(ChannelError::UnsupportedVersion(v)),
        None => return Err(ChannelError::Malformed("short header")),
    }
    if header.get(6..8) != Some(&[0, 0][..]) {
        return Err(ChannelError::Malformed("reserved bytes are not zero"));
    }
    Ok(())
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32> {
    let raw: [u8; 4] = bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .ok_or(ChannelError::Malformed("short field"))?;
    Ok(u32::from_le_bytes(raw))
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64> {
    let raw: [u8; 8] = bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .ok_or(ChannelError::Malformed("short field"))?;
    Ok(u64::from_le_bytes(raw))
}

/// Parses exactly one frame.
pub fn parse(bytes: &[u8]) -> Result<Frame<'_>> {
    let header = bytes
        .get(..FRAME_HEADER)
        .ok_or(ChannelError::Malformed("shorter than a frame header"))?;
    check_header(header)?;
    let kind = Kind::from_u8(header[5])?;
    let mut session = [0u8; 16];
    session.copy_from_slice(&header[8..24]);
    let len = read_u32(header, 24)? as usize;
    if len > MAX_PAYLOAD {
        return Err(ChannelError::TooLarge(len));
    }
    let payload = &bytes[FRAME_HEADER..];
    if payload.len() != len {
        return Err(ChannelError::Truncated);
    }
    Ok(Frame {
        kind,
        session,
        payload,
    })
}

/// Splits concatenated frames.
pub fn split(mut bytes: &[u8]) -> Result<Vec<&[u8]>> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let len = frame_len(bytes)?.ok_or(ChannelError::Truncated)?;
        let (one, rest) = bytes.split_at_checked(len).ok_or(ChannelError::Truncated)?;
        frames.push(one);
        bytes = rest;
    }
    Ok(frames)
}

/// What one record adds to its data on the wire: frame header, record
/// header in the clear, and the sealed copy of the header with its tag.
pub const RECORD_OVERHEAD: usize = FRAME_HEADER + RECORD_HEADER + RECORD_HEADER + TAG;

/// The bytes of the frames that carry a message of `len` bytes (one record
/// per [`MAX_CHUNK`], and one for an empty message): what a caller must
/// allocate before encrypting.
pub fn sealed_len(len: usize) -> usize {
    let records = len.div_ceil(MAX_CHUNK).max(1);
    len.saturating_add(records.saturating_mul(RECORD_OVERHEAD))
}

/// The data bytes the records in `frames` (from [`split`]) announce in
/// their clear headers: an upper bound to allocate before decrypting
/// (opening each record checks its header against the sealed copy).
pub fn announced_data_len(frames: &[&[u8]]) -> Result<usize> {
    let mut total = 0usize;
    for &frame in frames {
        let f = parse(frame)?;
        if f.kind != Kind::Record {
            return Err(ChannelError::Malformed("not a record"));
        }
        let header = RecordHeader::decode(f.payload)?;
        total = total.saturating_add(header.length as usize);
    }
    Ok(total)
}

/// The 64-bit number the original C API calls a session id: the first
/// eight bytes of the session id, little-endian. An enclave keeps these
/// distinct among its sessions.
pub fn short_id(id: &SessionId) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&id[..8]);
    u64::from_le_bytes(first)
}

/// Who sent a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToEnclave = 0,
    ToClient = 1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Attest = 1,
    Data = 2,
    Close = 3,
}

pub const FLAG_FINAL: u8 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub counter: u64,
    pub direction: Direction,
    pub rtype: RecordType,
    pub flags: u8,
    pub length: u32,
}

impl RecordHeader {
    pub fn encode(&self) -> [u8; RECORD_HEADER] {
        let mut out = [0u8; RECORD_HEADER];
        out[..8].copy_from_slice(&self.counter.to_le_bytes());
        out[8] = self.direction as u8;
        out[9] = self.rtype as u8;
        out[10] = self.flags;
        out[12..16].copy_from_slice(&self.length.to_le_bytes());
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let header = bytes.get(..RECORD_HEADER).ok_or(ChannelError::Truncated)?;
        let direction = match header[8] {
            0 => Direction::ToEnclave,
            1 => Direction::ToClient,
            _ => return Err(ChannelError::Malformed("record direction")),
        };
        let rtype = match header[9] {
            1 => RecordType::Attest,
            2 => RecordType::Data,
            3 => RecordType::Close,
            _ => return Err(ChannelError::Malformed("record type")),
        };
        if header[10] & !FLAG_FINAL != 0 || header[11] != 0 {
            return Err(ChannelError::Malformed("record flags"));
        }
        Ok(Self {
            counter: read_u64(header, 0)?,
            direction,
            rtype,
            flags: header[10],
            length: read_u32(header, 12)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_round_trip_and_lengths_are_checked() {
        let f = frame(Kind::Record, &[3; 16], b"abc");
        let parsed = parse(&f).expect("parse");
        assert_eq!(
            (parsed.kind, parsed.session, parsed.payload),
            (Kind::Record, [3; 16], &b"abc"[..])
        );
        assert_eq!(parse(&f[..f.len() - 1]), Err(ChannelError::Truncated));
        let mut old = f.clone();
        old[4] = 0;
        assert_eq!(parse(&old), Err(ChannelError::UnsupportedVersion(0)));
        let two = [f.clone(), f.clone()].concat();
        assert_eq!(split(&two).expect("split").len(), 2);
    }

    proptest! {
        /// Any bytes parse to a frame or an error, never a panic, and a
        /// parsed frame's payload is exactly what its header says.
        #[test]
        fn parsing_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(f) = parse(&bytes) {
                prop_assert_eq!(f.payload.len() + FRAME_HEADER, bytes.len());
            }
            let _ = split(&bytes);
            let _ = RecordHeader::decode(&bytes);
        }
    }
}
