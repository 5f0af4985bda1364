//! The call channel between a host and a simulated enclave: one shared
//! region holding a header and one slot per enclave thread (TCS analogue).
//!
//! ```text
//! header (4 KiB): magic u64 | version u32 | slots u32 | capacity u64 |
//!                 shutdown u32 | ready u32 | death-note length u32 | death note (1 KiB)
//! slot i        : state u32 (the futex word) | pad | length u64 | pad to 64 | data[capacity]
//! ```
//!
//! A slot's state says whose turn it is:
//!
//! ```text
//! IDLE ──host──▶ ECALL ──enclave──▶ ECALL_DONE ──host reads──▶ IDLE
//!                  │   ▲
//!          enclave │   │ host (nested ECALL from inside an OCALL)
//!                  ▼   │
//!                 OCALL ──host──▶ OCALL_DONE ──enclave reads──▶ (serving the ECALL)
//! ```
//! Both sides treat everything in the region as hostile: lengths are
//! checked against the capacity, and a state a side did not expect is a
//! protocol error, never trusted.

use crate::futex;
use crate::shm::SharedRegion;
use rustix::fd::{BorrowedFd, OwnedFd};
use std::io;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub const MAGIC: u64 = u64::from_le_bytes(*b"SGSIMCH1");
pub const VERSION: u32 = 1;
const HEADER_LEN: usize = 4096;
const SLOT_DATA: usize = 64;
const DEATH_NOTE_MAX: usize = 1024;
/// Most slots (enclave threads) a channel may have; `enclave.toml` allows 256.
pub const MAX_SLOTS: usize = 256;
/// Smallest slot: an error reply must always fit.
pub const MIN_CAPACITY: usize = 64;

const OFF_MAGIC: usize = 0;
const OFF_VERSION: usize = 8;
const OFF_SLOTS: usize = 12;
const OFF_CAPACITY: usize = 16;
const OFF_SHUTDOWN: usize = 24;
const OFF_READY: usize = 28;
const OFF_DEATH_LEN: usize = 32;
const OFF_DEATH: usize = 40;

/// Slot states.
pub mod state {
    pub const IDLE: u32 = 0;
    pub const ECALL: u32 = 1;
    pub const ECALL_DONE: u32 = 2;
    pub const OCALL: u32 = 3;
    pub const OCALL_DONE: u32 = 4;
}

/// Readiness reported by the enclave in the header.
pub mod ready {
    pub const STARTING: u32 = 0;
    pub const SERVING: u32 = 1;
    pub const FAILED: u32 = 2;
}

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("shared memory: {0}")]
    Io(#[from] io::Error),
    #[error("channel header is invalid: {0}")]
    BadHeader(&'static str),
    #[error("message of {len} bytes exceeds the slot capacity of {capacity}")]
    TooLarge { len: usize, capacity: usize },
    #[error("peer wrote a length of {len} into a slot of {capacity} bytes")]
    BadLength { len: u64, capacity: usize },
}

pub struct Channel {
    region: SharedRegion,
    slots: usize,
    capacity: usize,
    stride: usize,
}

fn stride_for(capacity: usize) -> Option<usize> {
    SLOT_DATA
        .checked_add(capacity)?
        .checked_next_multiple_of(4096)
}

impl Channel {
    /// Creates the region (host side).
    pub fn create(slots: usize, capacity: usize) -> Result<Self, ChannelError> {
        if slots == 0 || slots > MAX_SLOTS || capacity < MIN_CAPACITY {
            return Err(ChannelError::BadHeader(
                "slots must be 1..=256 and capacity at least 64 bytes",
            ));
        }
        let stride = stride_for(capacity).ok_or(ChannelError::BadHeader("capacity too large"))?;
        let len = stride
            .checked_mul(slots)
            .and_then(|s| s.checked_add(HEADER_LEN))
            .ok_or(ChannelError::BadHeader("region too large"))?;
        let region = SharedRegion::create("secgear-sim-channel", len)?;
        region.u64_at(OFF_MAGIC).store(MAGIC, Ordering::Relaxed);
        region.u32_at(OFF_VERSION).store(VERSION, Ordering::Relaxed);
        region.u32_at(OFF_SLOTS).store(
            u32::try_from(slots).map_err(|_| ChannelError::BadHeader("too many slots"))?,
            Ordering::Relaxed,
        );
        region
            .u64_at(OFF_CAPACITY)
            .store(capacity as u64, Ordering::Release);
        Ok(Self {
            region,
            slots,
            capacity,
            stride,
        })
    }

    /// Maps a region the host created (enclave side), validating its header
    /// against the region's real size.
    pub fn attach(fd: OwnedFd) -> Result<Self, ChannelError> {
        let region = SharedRegion::attach(fd)?;
        if region.len() < HEADER_LEN {
            return Err(ChannelError::BadHeader("region smaller than its header"));
        }
        if region.u64_at(OFF_MAGIC).load(Ordering::Acquire) != MAGIC {
            return Err(ChannelError::BadHeader("bad magic"));
        }
        if region.u32_at(OFF_VERSION).load(Ordering::Relaxed) != VERSION {
            return Err(ChannelError::BadHeader("unsupported version"));
        }
        let slots = region.u32_at(OFF_SLOTS).load(Ordering::Relaxed) as usize;
        let capacity = usize::try_from(region.u64_at(OFF_CAPACITY).load(Ordering::Relaxed))
            .map_err(|_| ChannelError::BadHeader("capacity"))?;
        let stride = stride_for(capacity).ok_or(ChannelError::BadHeader("capacity"))?;
        let needed = stride
            .checked_mul(slots)
            .and_then(|s| s.checked_add(HEADER_LEN));
        // A hostile header must not make the enclave start threads by the million.
        if slots == 0 || slots > MAX_SLOTS || needed.is_none_or(|n| n > region.len()) {
            return Err(ChannelError::BadHeader("slots do not fit the region"));
        }
        Ok(Self {
            region,
            slots,
            capacity,
            stride,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.region.fd()
    }

    pub fn slot_count(&self) -> usize {
        self.slots
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Slot `i`; `None` past the end.
    pub fn slot(&self, i: usize) -> Option<Slot<'_>> {
        (i < self.slots).then(|| Slot {
            channel: self,
            base: HEADER_LEN + i * self.stride,
        })
    }

    pub fn shutdown_requested(&self) -> bool {
        self.region.u32_at(OFF_SHUTDOWN).load(Ordering::Acquire) != 0
    }

    /// Asks the enclave to exit and wakes every thread waiting on a slot.
    pub fn request_shutdown(&self) {
        self.region.u32_at(OFF_SHUTDOWN).store(1, Ordering::Release);
        self.wake_everyone();
    }

    /// Wakes every waiter on every slot and on readiness (they re-check).
    pub fn wake_everyone(&self) {
        for i in 0..self.slots {
            if let Some(s) = self.slot(i) {
                futex::wake_all(s.state_word());
            }
        }
        futex::wake_all(self.region.u32_at(OFF_READY));
    }

    pub fn set_ready(&self, value: u32) {
        let word = self.region.u32_at(OFF_READY);
        word.store(value, Ordering::Release);
        futex::wake_all(word);
    }

    /// Waits while readiness is `STARTING`, at most `timeout`.
    pub fn wait_ready(&self, timeout: Duration) -> u32 {
        let word = self.region.u32_at(OFF_READY);
        let value = word.load(Ordering::Acquire);
        if value == ready::STARTING {
            futex::wait(word, ready::STARTING, Some(timeout));
        }
        word.load(Ordering::Acquire)
    }

    /// Leaves a last message before the enclave dies (panic text).
    pub fn write_death_note(&self, note: &str) {
        let bytes = &note.as_bytes()[..note.len().min(DEATH_NOTE_MAX)];
        self.region.write(OFF_DEATH, bytes);
        self.region
            .u32_at(OFF_DEATH_LEN)
            .store(bytes.len() as u32, Ordering::Release);
    }

    /// The enclave's last message, if it left one.
    pub fn death_note(&self) -> Option<String> {
        let len = (self.region.u32_at(OFF_DEATH_LEN).load(Ordering::Acquire) as usize)
            .min(DEATH_NOTE_MAX);
        if len == 0 {
            return None;
        }
        let mut buf = vec![0u8; len];
        self.region.read(OFF_DEATH, &mut buf);
        Some(String::from_utf8_lossy(&buf).into_owned())
    }
}

/// One call slot.
#[derive(Clone, Copy)]
pub struct Slot<'c> {
    channel: &'c Channel,
    base: usize,
}

impl Slot<'_> {
    fn state_word(&self) -> &std::sync::atomic::AtomicU32 {
        self.channel.region.u32_at(self.base)
    }

    pub fn state(&self) -> u32 {
        self.state_word().load(Ordering::Acquire)
    }

    /// Writes a message and hands the slot over by setting `new_state`.
    pub fn post(&self, new_state: u32, message: &[u8]) -> Result<(), ChannelError> {
        if message.len() > self.channel.capacity {
            return Err(ChannelError::TooLarge {
                len: message.len(),
                capacity: self.channel.capacity,
            });
        }
        self.channel.region.write(self.base + SLOT_DATA, message);
        self.channel
            .region
            .u64_at(self.base + 8)
            .store(message.len() as u64, Ordering::Relaxed);
        self.set_state(new_state);
        Ok(())
    }

    /// Sets the state without a message and rings the doorbell.
    pub fn set_state(&self, new_state: u32) {
        let word = self.state_word();
        word.store(new_state, Ordering::Release);
        futex::wake_all(word);
    }

    /// Copies the current message out, checking the peer's length.
    pub fn take_message(&self) -> Result<Vec<u8>, ChannelError> {
        let len = self
            .channel
            .region
            .u64_at(self.base + 8)
            .load(Ordering::Relaxed);
        let capacity = self.channel.capacity;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= capacity)
            .ok_or(ChannelError::BadLength { len, capacity })?;
        let mut buf = vec![0u8; len];
        self.channel.region.read(self.base + SLOT_DATA, &mut buf);
        Ok(buf)
    }

    /// Waits until the state is one `accept` takes; `None` when woken or
    /// timed out without one (the caller checks for death or shutdown and
    /// waits again).
    pub fn wait_for(&self, accept: impl Fn(u32) -> bool, timeout: Option<Duration>) -> Option<u32> {
        let word = self.state_word();
        let current = word.load(Ordering::Acquire);
        if accept(current) {
            return Some(current);
        }
        futex::wait(word, current, timeout);
        let after = word.load(Ordering::Acquire);
        accept(after).then_some(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_validates_the_header() {
        let host = Channel::create(2, 1000).expect("create");
        let fd = host.fd().try_clone_to_owned().expect("dup");
        let enclave = Channel::attach(fd).expect("attach");
        assert_eq!((enclave.slot_count(), enclave.capacity()), (2, 1000));
        assert!(enclave.slot(2).is_none());
        host.region
            .u64_at(OFF_CAPACITY)
            .store(1 << 40, Ordering::Relaxed);
        let fd = host.fd().try_clone_to_owned().expect("dup");
        assert!(matches!(
            Channel::attach(fd),
            Err(ChannelError::BadHeader(_))
        ));
    }

    #[test]
    fn messages_cross_and_lengths_are_checked() {
        let host = Channel::create(1, 100).expect("create");
        assert!(
            Channel::create(0, 100).is_err()
                && Channel::create(300, 100).is_err()
                && Channel::create(1, 8).is_err()
        );
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let (h, e) = (host.slot(0).expect("slot"), enclave.slot(0).expect("slot"));
        h.post(state::ECALL, b"request").expect("post");
        assert_eq!(e.wait_for(|s| s == state::ECALL, None), Some(state::ECALL));
        assert_eq!(e.take_message().expect("msg"), b"request");
        assert!(matches!(
            h.post(state::ECALL, &[0; 101]),
            Err(ChannelError::TooLarge { .. })
        ));
        // A hostile peer writes a length past the capacity.
        enclave
            .region
            .u64_at(HEADER_LEN + 8)
            .store(101, Ordering::Relaxed);
        assert!(matches!(
            h.take_message(),
            Err(ChannelError::BadLength { .. })
        ));
    }

    #[test]
    fn death_note_is_bounded() {
        let c = Channel::create(1, 64).expect("create");
        assert_eq!(c.death_note(), None);
        c.write_death_note(&"x".repeat(5000));
        assert_eq!(c.death_note().map(|n| n.len()), Some(DEATH_NOTE_MAX));
    }
}
