//! The call channel between a host and a simulated enclave: one shared
//! region holding a header and one slot per enclave thread (TCS analogue).
//!
//! ```text
//! header (4 KiB): magic u64 | version u32 | slots u32 | capacity u64 |
//!                 shutdown u32 | ready u32 | death-note length u32 | death note (1 KiB)
//! slot i        : state u32 (the futex word) | sleepers u32 | length u64 | call tag u64 |
//!                 pad to 64 | data[capacity]
//! pool           : header (4 KiB: settings, doorbell, counters, submission bitmap) | tasks
//! task i         : state u32 | sleepers u32 | length u64 | call tag u64 | watchers u32 |
//!                 pad to 32 | data[capacity]
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
//!
//! Every message carries the **call tag** of the exchange it belongs to.
//! Whoever starts an exchange ([`Slot::begin`]: the host's ECALLs, nested
//! ones included; the enclave's switchless OCALLs) draws a fresh tag, the
//! side that serves it adopts it ([`Slot::accept`]), and every later message
//! of the exchange must carry it ([`Slot::take_message`]). Each process keeps
//! the tag it expects in its own memory, so a reply left over from an earlier
//! call (or written for one) is refused as [`ChannelError::WrongCall`]
//! instead of being taken for the current call's.

use crate::futex;
use crate::shm::SharedRegion;
use rustix::fd::{BorrowedFd, OwnedFd};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const MAGIC: u64 = u64::from_le_bytes(*b"SGSIMCH1");
pub const VERSION: u32 = 4;
const HEADER_LEN: usize = 4096;
/// Where a call slot's message starts: on the line after its header (state,
/// sleepers, length, tag), so bulk copies start on a cache line.
const SLOT_DATA: usize = 64;
/// Where a switchless task's message starts: right after its header, so a
/// small message shares the header's cache line and a call moves one line
/// each way. (Within `SLOT_DATA`, so strides are computed alike.)
const TASK_DATA: usize = 32;
/// A task's count of workers watching it (see [`Pool::publish`]).
const TASK_WATCHERS: usize = 24;
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
/// Where the switchless ECALL pool starts (0: no pool).
const OFF_POOL: usize = 2048;
/// Where the switchless OCALL pool starts (0: none).
const OFF_OCALL_POOL: usize = 2056;
/// The shared-buffer arena: offset and length (0: none).
const OFF_ARENA: usize = 2064;
const OFF_ARENA_LEN: usize = 2072;
/// Most arena bytes: 1 GiB.
pub const MAX_ARENA: usize = 1 << 30;
/// How long a switchless submitter spins for its result before it sleeps:
/// workers answer in microseconds.
pub const RESULT_SPIN: Duration = Duration::from_micros(200);
/// Arena offset `o` travels as the pointer `SHARED_POINTER_BASE + o`: never
/// null, and never mistaken for an address in either process.
pub const SHARED_POINTER_BASE: u64 = 0x5347_5348_0000_0000;
/// Most switchless tasks: 8 × 64, as `pool_size` allows.
pub const MAX_TASKS: usize = 512;
const POOL_HEADER: usize = 4096;
// Pool header fields, relative to the pool's start.
const P_TASKS: usize = 0;
const P_TWORKERS: usize = 4;
const P_CAPACITY: usize = 8;
const P_POLICY: usize = 16;
const P_SLEEP_AFTER_US: usize = 20;
const P_DOORBELL: usize = 24;
const P_SLEEPERS: usize = 28;
/// How long a submitter waits for a claim before it falls back (µs).
const P_FALLBACK_US: usize = 32;

const P_SLEEPS: usize = 40;
const P_WAKES: usize = 48;
const P_CORES: usize = 56;
/// Submissions that fell back to the normal path (counted by the submitter).
const P_FALLBACKS: usize = 64;
const P_PENDING: usize = 128;

/// Slot states.
pub mod state {
    pub const IDLE: u32 = 0;
    pub const ECALL: u32 = 1;
    pub const ECALL_DONE: u32 = 2;
    pub const OCALL: u32 = 3;
    pub const OCALL_DONE: u32 = 4;
    /// A switchless task a worker took (from `ECALL`): exactly one worker
    /// does, and a submitter can no longer take it back.
    pub const CLAIMED: u32 = 5;
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
    #[error("peer answered call {found}, but the call in progress is {expected}")]
    WrongCall { expected: u64, found: u64 },
    #[error(
        "{len} bytes at shared offset {offset} do not lie inside the {arena}-byte shared arena"
    )]
    OutsideArena { offset: u64, len: u64, arena: usize },
}

impl ChannelError {
    /// Whether the peer broke the slot protocol (rather than a local limit
    /// being hit): the slot it did so on can no longer be trusted.
    pub fn is_protocol_violation(&self) -> bool {
        matches!(self, Self::BadLength { .. } | Self::WrongCall { .. })
    }
}

pub struct Channel {
    region: SharedRegion,
    slots: usize,
    capacity: usize,
    stride: usize,
    pool: Option<PoolGeometry>,
    ocall_pool: Option<PoolGeometry>,
    /// (offset, length) of the shared-buffer arena.
    arena: Option<(usize, usize)>,
    /// This process's record of the call each slot and task is carrying:
    /// slots first, then the ECALL pool's tasks, then the OCALL pool's.
    /// Private memory: the peer cannot change what is expected of it.
    tags: Box<[AtomicU64]>,
    next_tag: AtomicU64,
}

/// How the enclave's switchless workers behave, as the host set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerSettings {
    pub workers: u32,
    /// Sleep on a futex when idle (otherwise spin).
    pub wakeup: bool,
    pub sleep_after: Duration,
    /// One bit per core (0: any core).
    pub cores: u64,
}

/// The switchless task pool the host asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolLayout {
    /// Task slots, 64 to 512.
    pub tasks: usize,
    /// Largest message one task carries; bigger calls take the normal path.
    pub task_capacity: usize,
    /// Enclave worker threads serving the pool.
    pub tworkers: u32,
    /// 0 = busy (spin), 1 = wakeup (sleep on a futex when idle).
    pub policy: u32,
    /// How long an idle worker spins before it sleeps (wakeup policy).
    pub sleep_after_us: u32,
    /// CPU affinity of the workers, one bit per core (0: any core).
    pub cores: u64,
    /// How long a submitter waits for a worker to claim a task before it
    /// takes the normal path.
    pub fallback_us: u32,
}

/// Everything switchless the host asks for: the ECALL pool (served by
/// enclave workers), the OCALL pool (served by host workers; the roles of
/// the task states swap: the enclave posts `ECALL` as "request" and the host
/// answers `ECALL_DONE`), and an arena for zero-copy buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchlessLayout {
    pub ecalls: PoolLayout,
    pub ocalls: Option<PoolLayout>,
    /// Bytes of shared memory for zero-copy buffers (0: none), up to 1 GiB.
    pub arena: usize,
}

#[derive(Debug, Clone, Copy)]
struct PoolGeometry {
    base: usize,
    tasks: usize,
    capacity: usize,
    stride: usize,
}

/// One tag cell per slot and per task; `Pool::task` finds its own after the
/// slots (ECALL pool) or after the slots and the ECALL pool (OCALL pool).
fn tag_cells(
    slots: usize,
    pool: Option<PoolGeometry>,
    ocall_pool: Option<PoolGeometry>,
) -> Box<[AtomicU64]> {
    let tasks = |p: Option<PoolGeometry>| p.map_or(0, |g| g.tasks);
    (0..slots + tasks(pool) + tasks(ocall_pool))
        .map(|_| AtomicU64::new(0))
        .collect()
}

fn stride_for(capacity: usize) -> Option<usize> {
    SLOT_DATA
        .checked_add(capacity)?
        .checked_next_multiple_of(4096)
}

impl Channel {
    /// Creates the region (host side).
    pub fn create(slots: usize, capacity: usize) -> Result<Self, ChannelError> {
        Self::create_with_pool(slots, capacity, None)
    }

    /// Creates the region with switchless pools and an arena after the slots.
    pub fn create_with_pool(
        slots: usize,
        capacity: usize,
        switchless: Option<SwitchlessLayout>,
    ) -> Result<Self, ChannelError> {
        if slots == 0 || slots > MAX_SLOTS || capacity < MIN_CAPACITY {
            return Err(ChannelError::BadHeader(
                "slots must be 1..=256 and capacity at least 64 bytes",
            ));
        }
        let stride = stride_for(capacity).ok_or(ChannelError::BadHeader("capacity too large"))?;
        let mut end = stride
            .checked_mul(slots)
            .and_then(|s| s.checked_add(HEADER_LEN))
            .ok_or(ChannelError::BadHeader("region too large"))?;
        let mut place_pool = |p: &PoolLayout| -> Result<PoolGeometry, ChannelError> {
            if !(64..=MAX_TASKS).contains(&p.tasks)
                || p.task_capacity < MIN_CAPACITY
                || p.tworkers == 0
            {
                return Err(ChannelError::BadHeader(
                    "pool: 64..=512 tasks, capacity >= 64, at least one worker",
                ));
            }
            let task_stride =
                stride_for(p.task_capacity).ok_or(ChannelError::BadHeader("task capacity"))?;
            let geometry = PoolGeometry {
                base: end,
                tasks: p.tasks,
                capacity: p.task_capacity,
                stride: task_stride,
            };
            end = task_stride
                .checked_mul(p.tasks)
                .and_then(|t| t.checked_add(end + POOL_HEADER))
                .ok_or(ChannelError::BadHeader("pool too large"))?;
            Ok(geometry)
        };
        let pools = match &switchless {
            None => None,
            Some(l) => Some((
                place_pool(&l.ecalls)?,
                l.ocalls.as_ref().map(&mut place_pool).transpose()?,
            )),
        };
        let arena = match switchless.map_or(0, |l| l.arena) {
            0 => None,
            len if len > MAX_ARENA => return Err(ChannelError::BadHeader("arena above 1 GiB")),
            len => Some((end, len.next_multiple_of(4096))),
        };
        let len = arena.map_or(end, |(base, len)| base + len);
        let region = SharedRegion::create("secgear-sim-channel", len)?;
        region.u32_at(OFF_VERSION).store(VERSION, Ordering::Relaxed);
        region
            .u32_at(OFF_SLOTS)
            .store(slots as u32, Ordering::Relaxed);
        region
            .u64_at(OFF_CAPACITY)
            .store(capacity as u64, Ordering::Relaxed);
        if let (Some((ecalls, ocalls)), Some(l)) = (pools, switchless) {
            write_pool_header(&region, OFF_POOL, ecalls, &l.ecalls);
            if let (Some(g), Some(p)) = (ocalls, l.ocalls) {
                write_pool_header(&region, OFF_OCALL_POOL, g, &p);
            }
        }
        if let Some((base, len)) = arena {
            region
                .u64_at(OFF_ARENA)
                .store(base as u64, Ordering::Relaxed);
            region
                .u64_at(OFF_ARENA_LEN)
                .store(len as u64, Ordering::Relaxed);
        }
        // Publishes the header: the enclave reads it only after this.
        region.u64_at(OFF_MAGIC).store(MAGIC, Ordering::Release);
        Ok(Self {
            region,
            slots,
            capacity,
            stride,
            pool: pools.map(|p| p.0),
            ocall_pool: pools.and_then(|p| p.1),
            arena,
            tags: tag_cells(slots, pools.map(|p| p.0), pools.and_then(|p| p.1)),
            next_tag: AtomicU64::new(1),
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
        let pool = read_pool(&region, OFF_POOL)?;
        let ocall_pool = read_pool(&region, OFF_OCALL_POOL)?;
        let tags = tag_cells(slots, pool, ocall_pool);
        let arena = read_arena(&region)?;
        Ok(Self {
            region,
            slots,
            capacity,
            stride,
            pool,
            ocall_pool,
            arena,
            tags,
            next_tag: AtomicU64::new(1),
        })
    }

    /// The pool of switchless OCALLs, served by host workers.
    pub fn ocall_pool(&self) -> Option<Pool<'_>> {
        self.ocall_pool.map(|geometry| Pool {
            channel: self,
            geometry,
            first_tag: self.slots + self.pool.map_or(0, |g| g.tasks),
        })
    }

    /// The shared-buffer arena, if the host made one.
    pub fn arena(&self) -> Option<Arena<'_>> {
        self.arena.map(|(base, len)| Arena {
            channel: self,
            base,
            len,
        })
    }

    /// The switchless task pool, if the host configured one.
    pub fn pool(&self) -> Option<Pool<'_>> {
        self.pool.map(|geometry| Pool {
            channel: self,
            geometry,
            first_tag: self.slots,
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
            data: SLOT_DATA,
            capacity: self.capacity,
            expected: &self.tags[i],
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
        for pool in [self.pool(), self.ocall_pool()].into_iter().flatten() {
            pool.wake_workers();
            for i in 0..pool.tasks() {
                if let Some(t) = pool.task(i) {
                    futex::wake_all(t.state_word());
                }
            }
        }
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

    /// The enclave's last message, if it left one, without the control
    /// characters a hostile enclave could use to forge or hide log lines.
    pub fn death_note(&self) -> Option<String> {
        let len = (self.region.u32_at(OFF_DEATH_LEN).load(Ordering::Acquire) as usize)
            .min(DEATH_NOTE_MAX);
        if len == 0 {
            return None;
        }
        let mut buf = vec![0u8; len];
        self.region.read(OFF_DEATH, &mut buf);
        Some(
            String::from_utf8_lossy(&buf)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
        )
    }
}

fn write_pool_header(region: &SharedRegion, pointer: usize, g: PoolGeometry, p: &PoolLayout) {
    region
        .u32_at(g.base + P_TASKS)
        .store(p.tasks as u32, Ordering::Relaxed);
    region
        .u32_at(g.base + P_TWORKERS)
        .store(p.tworkers, Ordering::Relaxed);
    region
        .u64_at(g.base + P_CAPACITY)
        .store(p.task_capacity as u64, Ordering::Relaxed);
    region
        .u32_at(g.base + P_POLICY)
        .store(p.policy, Ordering::Relaxed);
    region
        .u32_at(g.base + P_SLEEP_AFTER_US)
        .store(p.sleep_after_us, Ordering::Relaxed);
    region
        .u32_at(g.base + P_FALLBACK_US)
        .store(p.fallback_us, Ordering::Relaxed);
    region
        .u64_at(g.base + P_CORES)
        .store(p.cores, Ordering::Relaxed);
    region
        .u64_at(pointer)
        .store(g.base as u64, Ordering::Relaxed);
}

/// The pool whose offset the header holds at `pointer`, checked against the
/// region: the host wrote it, so nothing in it is trusted.
fn read_pool(region: &SharedRegion, pointer: usize) -> Result<Option<PoolGeometry>, ChannelError> {
    let base = usize::try_from(region.u64_at(pointer).load(Ordering::Relaxed))
        .map_err(|_| ChannelError::BadHeader("pool offset"))?;
    if base == 0 {
        return Ok(None);
    }
    let bad = || ChannelError::BadHeader("pool does not fit the region");
    if base % 8 != 0
        || base < HEADER_LEN
        || base
            .checked_add(POOL_HEADER)
            .is_none_or(|e| e > region.len())
    {
        return Err(bad());
    }
    let tasks = region.u32_at(base + P_TASKS).load(Ordering::Relaxed) as usize;
    let capacity = usize::try_from(region.u64_at(base + P_CAPACITY).load(Ordering::Relaxed))
        .map_err(|_| bad())?;
    let stride = stride_for(capacity).ok_or_else(bad)?;
    let end = stride
        .checked_mul(tasks)
        .and_then(|t| t.checked_add(base + POOL_HEADER));
    let workers = region.u32_at(base + P_TWORKERS).load(Ordering::Relaxed);
    if !(64..=MAX_TASKS).contains(&tasks)
        || capacity < MIN_CAPACITY
        || end.is_none_or(|e| e > region.len())
    {
        return Err(bad());
    }
    if workers == 0 || workers as usize > MAX_SLOTS {
        return Err(ChannelError::BadHeader("pool worker count"));
    }
    Ok(Some(PoolGeometry {
        base,
        tasks,
        capacity,
        stride,
    }))
}

fn read_arena(region: &SharedRegion) -> Result<Option<(usize, usize)>, ChannelError> {
    let word = |at| usize::try_from(region.u64_at(at).load(Ordering::Relaxed));
    let (Ok(base), Ok(len)) = (word(OFF_ARENA), word(OFF_ARENA_LEN)) else {
        return Err(ChannelError::BadHeader("arena"));
    };
    if base == 0 && len == 0 {
        return Ok(None);
    }
    if base < HEADER_LEN
        || len == 0
        || len > MAX_ARENA
        || base.checked_add(len).is_none_or(|e| e > region.len())
    {
        return Err(ChannelError::BadHeader("arena does not fit the region"));
    }
    Ok(Some((base, len)))
}

/// Shared memory for zero-copy buffers. Offsets and lengths given to it may
/// come from the peer: every access is checked to lie inside the arena.
#[derive(Clone, Copy)]
pub struct Arena<'c> {
    channel: &'c Channel,
    base: usize,
    len: usize,
}

impl Arena<'_> {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Where the arena is mapped in this process (see [`SharedRegion::as_ptr`]).
    pub fn as_ptr(&self) -> *mut u8 {
        self.channel.region.as_ptr().wrapping_add(self.base)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where `offset..offset + len` starts in the region, if it lies inside the arena.
    pub fn check(&self, offset: u64, len: u64) -> Result<usize, ChannelError> {
        let outside = ChannelError::OutsideArena {
            offset,
            len,
            arena: self.len,
        };
        match (usize::try_from(offset), usize::try_from(len)) {
            (Ok(o), Ok(l)) if o.checked_add(l).is_some_and(|end| end <= self.len) => {
                Ok(self.base + o)
            }
            _ => Err(outside),
        }
    }

    pub fn read(&self, offset: u64, dst: &mut [u8]) -> Result<(), ChannelError> {
        let at = self.check(offset, dst.len() as u64)?;
        self.channel.region.read(at, dst);
        Ok(())
    }

    pub fn write(&self, offset: u64, src: &[u8]) -> Result<(), ChannelError> {
        let at = self.check(offset, src.len() as u64)?;
        self.channel.region.write(at, src);
        Ok(())
    }
}

/// The tasks of a pool that one side is not using: each caller takes one and
/// gives it back, so no two of its calls share a task. A bitmap in this
/// process's memory, lowest task first: a lone caller gets the same task
/// every time, the one a worker is watching.
#[derive(Debug)]
pub struct FreeTasks(Box<[AtomicU64]>);

impl FreeTasks {
    pub fn new(tasks: usize) -> Self {
        let word = |w: usize| match tasks.saturating_sub(w * 64) {
            n if n >= 64 => u64::MAX,
            n => (1u64 << n) - 1,
        };
        Self(
            (0..tasks.div_ceil(64))
                .map(|w| AtomicU64::new(word(w)))
                .collect(),
        )
    }

    pub fn take(&self) -> Option<usize> {
        for (w, word) in self.0.iter().enumerate() {
            let mut free = word.load(Ordering::Relaxed);
            while free != 0 {
                let bit = free & free.wrapping_neg();
                match word.compare_exchange_weak(
                    free,
                    free & !bit,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Some(w * 64 + bit.trailing_zeros() as usize),
                    Err(now) => free = now,
                }
            }
        }
        None
    }

    pub fn release(&self, task: usize) {
        if let Some(word) = self.0.get(task / 64) {
            word.fetch_or(1u64 << (task % 64), Ordering::Release);
        }
    }
}

/// The switchless task pool: task slots (the same protocol as call slots),
/// a bitmap of submitted tasks the enclave workers claim, and a doorbell
/// for workers asleep under the wakeup policy.
#[derive(Clone, Copy)]
pub struct Pool<'c> {
    channel: &'c Channel,
    geometry: PoolGeometry,
    /// Where this pool's tasks start in the channel's tag cells.
    first_tag: usize,
}

impl<'c> Pool<'c> {
    pub fn tasks(&self) -> usize {
        self.geometry.tasks
    }

    pub fn task_capacity(&self) -> usize {
        self.geometry.capacity
    }

    pub fn task(&self, i: usize) -> Option<Slot<'c>> {
        (i < self.geometry.tasks).then(|| Slot {
            channel: self.channel,
            base: self.geometry.base + POOL_HEADER + i * self.geometry.stride,
            data: TASK_DATA,
            capacity: self.geometry.capacity,
            expected: &self.channel.tags[self.first_tag + i],
        })
    }

    fn word32(&self, field: usize) -> &std::sync::atomic::AtomicU32 {
        self.channel.region.u32_at(self.geometry.base + field)
    }

    fn word64(&self, field: usize) -> &std::sync::atomic::AtomicU64 {
        self.channel.region.u64_at(self.geometry.base + field)
    }

    fn pending(&self, i: usize) -> (&std::sync::atomic::AtomicU64, u64) {
        (self.word64(P_PENDING + (i / 64) * 8), 1u64 << (i % 64))
    }

    /// The worker settings the host asked for.
    pub fn settings(&self) -> WorkerSettings {
        WorkerSettings {
            workers: self.word32(P_TWORKERS).load(Ordering::Relaxed),
            wakeup: self.word32(P_POLICY).load(Ordering::Relaxed) == 1,
            sleep_after: Duration::from_micros(
                self.word32(P_SLEEP_AFTER_US).load(Ordering::Relaxed).into(),
            ),
            cores: self.word64(P_CORES).load(Ordering::Relaxed),
        }
    }

    /// How long a submitter waits for a claim before it takes the normal path.
    pub fn fallback_budget(&self) -> Duration {
        Duration::from_micros(self.word32(P_FALLBACK_US).load(Ordering::Relaxed).into())
    }

    /// Counts one submission that took the normal path (submitter side).
    pub fn count_fallback(&self) {
        self.word64(P_FALLBACKS).fetch_add(1, Ordering::Relaxed);
    }

    /// Submissions that took the normal path, as the submitter reports them.
    pub fn fallbacks(&self) -> u64 {
        self.word64(P_FALLBACKS).load(Ordering::Relaxed)
    }

    /// Submits task `i` (already posted in state `ECALL`). A worker that
    /// watches the task (it served the task last and looks at it between
    /// claims) finds it there: the submission then touches no other shared
    /// line. Otherwise the task is marked in the submission bitmap and a
    /// sleeping worker, if any, is woken.
    ///
    /// The watcher count and the task state form a store-then-load pair on
    /// each side (here: state, then count; a worker that stops watching:
    /// count, then state, see [`unwatch`](Self::unwatch)), all sequentially
    /// consistent, so a submission is never left to a worker that went away.
    pub fn publish(&self, i: usize) {
        let watched = self
            .task(i)
            .is_some_and(|t| t.watchers_word().load(Ordering::SeqCst) != 0);
        if !watched {
            self.mark_submitted(i);
        }
    }

    fn mark_submitted(&self, i: usize) {
        let (word, bit) = self.pending(i);
        word.fetch_or(bit, Ordering::SeqCst);
        if self.word32(P_SLEEPERS).load(Ordering::SeqCst) != 0 {
            self.word32(P_DOORBELL).fetch_add(1, Ordering::SeqCst);
            futex::wake_one(self.word32(P_DOORBELL));
        }
    }

    /// A worker starts watching task `i`.
    fn watch(&self, i: usize) {
        if let Some(task) = self.task(i) {
            task.watchers_word().fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A worker stops watching task `i`; a submission that counted on it
    /// goes to the bitmap, for any worker.
    fn unwatch(&self, i: usize) {
        let Some(task) = self.task(i) else {
            return;
        };
        task.watchers_word().fetch_sub(1, Ordering::SeqCst);
        if task.state_word().load(Ordering::SeqCst) == state::ECALL {
            self.mark_submitted(i);
        }
    }

    /// Publishes task `i` (posted in `ECALL`) and waits on the task itself,
    /// where the answer lands, up to `budget` for a state `accept` takes.
    /// Whether a worker took the task matters only when nothing came: then
    /// it is revoked if still unclaimed, and is the caller's again.
    pub fn hand_over(&self, i: usize, accept: impl Fn(u32) -> bool, budget: Duration) -> HandOver {
        self.publish(i);
        match self.task(i).and_then(|t| t.await_answer(accept, budget)) {
            Some(state) => HandOver::Answered(state),
            None if self.revoke(i) => HandOver::Revoked,
            None => HandOver::Taken,
        }
    }

    /// Takes task `i` back if no worker claimed it; true when it did. A
    /// task changes hands only by compare-and-swap of its state from `ECALL`
    /// (to `CLAIMED` by a worker, to `IDLE` here), so it runs exactly once.
    pub fn revoke(&self, i: usize) -> bool {
        let (word, bit) = self.pending(i);
        word.fetch_and(!bit, Ordering::AcqRel);
        self.task(i)
            .is_some_and(|t| t.swap_state(state::ECALL, state::IDLE))
    }

    /// Claims a submitted task (worker side): first `watched`, the task this
    /// worker served last (a caller reuses its task, so the worker finds the
    /// next call there without touching the submission bitmap), then any
    /// task the bitmap names. A bit can outlive its task's claim (the
    /// submitter publishes after posting, so a watching worker may be
    /// first); taking it then finds the task no longer in `ECALL`.
    pub fn claim(&self, watched: Option<usize>) -> Option<usize> {
        if let Some(task) = watched.and_then(|i| self.task(i))
            && task.state() == state::ECALL
            && task.swap_state(state::ECALL, state::CLAIMED)
        {
            return watched;
        }
        let words = self.geometry.tasks.div_ceil(64);
        for w in 0..words {
            let word = self.word64(P_PENDING + w * 8);
            let mut seen = word.load(Ordering::Acquire);
            while seen != 0 {
                let bit = seen & seen.wrapping_neg();
                let i = w * 64 + bit.trailing_zeros() as usize;
                if word.fetch_and(!bit, Ordering::AcqRel) & bit != 0
                    && self
                        .task(i)
                        .is_some_and(|t| t.swap_state(state::ECALL, state::CLAIMED))
                {
                    return Some(i);
                }
                seen &= !bit;
            }
        }
        None
    }

    fn any_pending(&self) -> bool {
        (0..self.geometry.tasks.div_ceil(64))
            .any(|w| self.word64(P_PENDING + w * 8).load(Ordering::SeqCst) != 0)
    }

    /// Sleeps until a task is published or `timeout` passes (worker side).
    pub fn sleep_until_work(&self, timeout: Duration) {
        let sleepers = self.word32(P_SLEEPERS);
        let doorbell = self.word32(P_DOORBELL);
        let ring = doorbell.load(Ordering::SeqCst);
        sleepers.fetch_add(1, Ordering::SeqCst);
        if !self.any_pending() {
            self.word64(P_SLEEPS).fetch_add(1, Ordering::Relaxed);
            futex::wait(doorbell, ring, Some(timeout));
            self.word64(P_WAKES).fetch_add(1, Ordering::Relaxed);
        }
        sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Worker-side counters as the enclave reports them: (sleeps, wakes).
    pub fn counters(&self) -> (u64, u64) {
        (
            self.word64(P_SLEEPS).load(Ordering::Relaxed),
            self.word64(P_WAKES).load(Ordering::Relaxed),
        )
    }

    /// A worker's loop: claims published tasks and hands them to `serve`.
    /// `settings` come from whoever runs the worker (a host worker does not
    /// take its policy from the enclave's side of the header).
    /// While idle it spins with one pause hint per look (a claim lands
    /// within ~100 ns of its publication), reads the clock every 64 looks,
    /// and under the wakeup policy sleeps on the doorbell once idle for the
    /// configured time (at most `nap` per sleep). `stop` costs the caller a
    /// system call or two, so it is asked every 4096 idle looks and after
    /// every sleep.
    pub fn run_worker(
        &self,
        settings: WorkerSettings,
        mut stop: impl FnMut() -> bool,
        nap: Duration,
        mut serve: impl FnMut(usize),
    ) {
        let mut idle_since: Option<std::time::Instant> = None;
        let mut looks: u32 = 0;
        let mut watched = None;
        let stop_watching = |watched: &mut Option<usize>| {
            if let Some(old) = watched.take() {
                self.unwatch(old);
            }
        };
        loop {
            if let Some(index) = self.claim(watched) {
                idle_since = None;
                if watched != Some(index) {
                    stop_watching(&mut watched);
                    self.watch(index);
                    watched = Some(index);
                }
                serve(index);
                continue;
            }
            looks = looks.wrapping_add(1);
            if looks.is_multiple_of(4096) && stop() {
                stop_watching(&mut watched);
                return;
            }
            if !looks.is_multiple_of(64) {
                std::hint::spin_loop();
                continue;
            }
            let since = *idle_since.get_or_insert_with(std::time::Instant::now);
            if settings.wakeup && since.elapsed() >= settings.sleep_after {
                // A sleeper watches nothing: its task's next call comes
                // through the bitmap and the doorbell.
                stop_watching(&mut watched);
                self.sleep_until_work(nap);
                idle_since = None;
                if stop() {
                    return;
                }
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Wakes every sleeping worker (shutdown).
    pub fn wake_workers(&self) {
        self.word32(P_DOORBELL).fetch_add(1, Ordering::SeqCst);
        futex::wake_all(self.word32(P_DOORBELL));
    }
}

/// How [`Pool::hand_over`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// The task reached this state within the budget.
    Answered(u32),
    /// A worker has it and is still at work.
    Taken,
    /// No worker took it: the caller runs the call another way.
    Revoked,
}

/// One call slot, or one task of a pool.
#[derive(Clone, Copy)]
pub struct Slot<'c> {
    channel: &'c Channel,
    base: usize,
    /// Where its message starts, from `base`.
    data: usize,
    /// Bytes of message this slot holds: a call slot's or a task's size.
    capacity: usize,
    /// The tag of the exchange this process has the slot carrying.
    expected: &'c AtomicU64,
}

/// Where a slot's call tag lies, after its length.
const SLOT_TAG: usize = 16;

impl Slot<'_> {
    fn state_word(&self) -> &std::sync::atomic::AtomicU32 {
        self.channel.region.u32_at(self.base)
    }

    pub fn state(&self) -> u32 {
        self.state_word().load(Ordering::Acquire)
    }

    fn sleeper_word(&self) -> &std::sync::atomic::AtomicU32 {
        self.channel.region.u32_at(self.base + 4)
    }

    /// Only tasks have one (a call slot's message starts after its header).
    fn watchers_word(&self) -> &std::sync::atomic::AtomicU32 {
        self.channel.region.u32_at(self.base + TASK_WATCHERS)
    }

    /// Starts an exchange: draws a fresh call tag, which every message of
    /// the exchange must carry, and posts `message` with it.
    pub fn begin(&self, new_state: u32, message: &[u8]) -> Result<(), ChannelError> {
        let tag = self.channel.next_tag.fetch_add(1, Ordering::Relaxed);
        self.expected.store(tag, Ordering::Relaxed);
        self.post(new_state, message)
    }

    /// Takes the message that starts an exchange the peer began, adopting
    /// its call tag for the replies.
    pub fn accept(&self) -> Result<Vec<u8>, ChannelError> {
        let mut message = Vec::new();
        self.accept_into(&mut message)?;
        Ok(message)
    }

    /// [`accept`](Self::accept) into `message`, reusing its allocation: a
    /// worker serving call after call allocates nothing for requests.
    pub fn accept_into(&self, message: &mut Vec<u8>) -> Result<(), ChannelError> {
        let tag = self.tag_word().load(Ordering::Acquire);
        self.expected.store(tag, Ordering::Relaxed);
        self.take_message_into(message)
    }

    /// The tag of the exchange in progress, as this process knows it.
    pub fn call_tag(&self) -> u64 {
        self.expected.load(Ordering::Relaxed)
    }

    fn tag_word(&self) -> &AtomicU64 {
        self.channel.region.u64_at(self.base + SLOT_TAG)
    }

    /// Writes a message of the exchange in progress and hands the slot over
    /// by setting `new_state`.
    pub fn post(&self, new_state: u32, message: &[u8]) -> Result<(), ChannelError> {
        if message.len() > self.capacity {
            return Err(ChannelError::TooLarge {
                len: message.len(),
                capacity: self.capacity,
            });
        }
        self.channel.region.write(self.base + self.data, message);
        self.channel
            .region
            .u64_at(self.base + 8)
            .store(message.len() as u64, Ordering::Relaxed);
        self.tag_word()
            .store(self.expected.load(Ordering::Relaxed), Ordering::Relaxed);
        self.set_state(new_state);
        Ok(())
    }

    /// Posts `message`, or, if it does not fit, an `ExcessData` error reply
    /// in its place: the peer always gets an answer.
    pub fn post_or_error(&self, new_state: u32, message: &[u8]) {
        if let Err(e) = self.post(new_state, message) {
            let error = secgear_abi::Error::new(secgear_abi::ErrorCode::ExcessData, e.to_string());
            // An error reply is 8 bytes; every slot and task holds at least 64.
            let _ = self.post(new_state, &secgear_abi::Writer::error_reply(&error));
        }
    }

    /// Changes the state from `from` to `to` if it is `from`; whether it did.
    /// Rings no doorbell: no one waits for the states it is used between.
    pub fn swap_state(&self, from: u32, to: u32) -> bool {
        self.state_word()
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Sets the state without a message and rings the doorbell.
    pub fn set_state(&self, new_state: u32) {
        let word = self.state_word();
        // SeqCst pairs with the sleeper's SeqCst flag-then-recheck: either it
        // sees the new state or we see its flag, so no wake-up is lost, and a
        // peer that spins costs no system call.
        word.store(new_state, Ordering::SeqCst);
        if self.sleeper_word().load(Ordering::SeqCst) != 0 {
            futex::wake_all(word);
        }
    }

    /// Copies the current message out, checking the peer's length and that
    /// it belongs to the exchange in progress.
    pub fn take_message(&self) -> Result<Vec<u8>, ChannelError> {
        let mut message = Vec::new();
        self.take_message_into(&mut message)?;
        Ok(message)
    }

    /// [`take_message`](Self::take_message) into `message`, reusing its allocation.
    pub fn take_message_into(&self, message: &mut Vec<u8>) -> Result<(), ChannelError> {
        let expected = self.expected.load(Ordering::Relaxed);
        let found = self.tag_word().load(Ordering::Acquire);
        if found != expected {
            return Err(ChannelError::WrongCall { expected, found });
        }
        let len = self
            .channel
            .region
            .u64_at(self.base + 8)
            .load(Ordering::Relaxed);
        let capacity = self.capacity;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= capacity)
            .ok_or(ChannelError::BadLength { len, capacity })?;
        self.channel
            .region
            .read_into(self.base + self.data, len, message);
        Ok(())
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
        // A count, not a flag: host and enclave may both sleep on one slot.
        let sleepers = self.sleeper_word();
        sleepers.fetch_add(1, Ordering::SeqCst);
        let current = word.load(Ordering::SeqCst);
        if !accept(current) {
            futex::wait(word, current, timeout);
        }
        sleepers.fetch_sub(1, Ordering::SeqCst);
        let after = word.load(Ordering::Acquire);
        accept(after).then_some(after)
    }

    /// A submitter's wait on its task: [`spin_for`](Self::spin_for), but
    /// once no worker has taken the task for a few thousand looks (the
    /// workers are busy or descheduled) each look yields the CPU to them.
    /// A task a worker took is answered within microseconds: no yield then,
    /// which could cost the caller a whole time slice.
    pub fn await_answer(&self, accept: impl Fn(u32) -> bool, budget: Duration) -> Option<u32> {
        let word = self.state_word();
        spin_until(budget, |looks| match word.load(Ordering::Acquire) {
            s if accept(s) => Look::Ready(s),
            state::ECALL if looks > YIELD_AFTER => Look::Yield,
            _ => Look::Pause,
        })
    }

    /// Spins (with the CPU's pause hint) until `accept` takes the state or
    /// `budget` passes: for peers that answer within microseconds.
    pub fn spin_for(&self, accept: impl Fn(u32) -> bool, budget: Duration) -> Option<u32> {
        let word = self.state_word();
        spin_until(budget, |_| match word.load(Ordering::Acquire) {
            s if accept(s) => Look::Ready(s),
            _ => Look::Pause,
        })
    }
}

/// An answer that has not come within a few thousand looks means the peer's
/// workers are busy or descheduled: a waiter then gives them (and other
/// callers) the CPU instead of burning it.
const YIELD_AFTER: u32 = 4096;

/// What one look of a spinning waiter found.
enum Look<T> {
    Ready(T),
    /// Not yet: pause the CPU briefly and look again.
    Pause,
    /// Not yet, and the answer depends on threads that need the CPU: yield it.
    Yield,
}

/// Looks (`look` gets the count so far) until one is ready or `budget`
/// passes, with one pause hint or yield per look (a peer's store is seen
/// within ~100 ns) and the clock read every 64 looks. The budget counts
/// from the first clock reading, after 64 looks (a few microseconds at
/// most): an answer that comes sooner costs no clock read.
fn spin_until<T>(budget: Duration, mut look: impl FnMut(u32) -> Look<T>) -> Option<T> {
    let mut deadline = None;
    let mut looks: u32 = 0;
    loop {
        let next = look(looks);
        if let Look::Ready(value) = next {
            return Some(value);
        }
        looks = looks.wrapping_add(1);
        if looks.is_multiple_of(64) {
            let now = std::time::Instant::now();
            if now >= *deadline.get_or_insert(now + budget) {
                return None;
            }
        }
        if matches!(next, Look::Yield) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
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

    #[test]
    fn a_death_note_loses_its_control_characters() {
        let c = Channel::create(1, 64).expect("create");
        c.write_death_note("panicked\n2026-12-01 INFO forged line\r\x1b[2Kgone\0");
        assert_eq!(
            c.death_note().as_deref(),
            Some("panicked 2026-12-01 INFO forged line  [2Kgone ")
        );
    }

    fn pair() -> (Channel, Channel) {
        let host = Channel::create(1, 100).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        (host, enclave)
    }

    #[test]
    fn replies_must_carry_the_tag_of_the_call_in_progress() {
        let (host, enclave) = pair();
        let (h, e) = (host.slot(0).expect("slot"), enclave.slot(0).expect("slot"));
        h.begin(state::ECALL, b"first").expect("post");
        assert_eq!(e.accept().expect("request"), b"first");
        let first_tag = e.call_tag();
        assert_eq!(first_tag, h.call_tag());
        // The enclave answers an OCALL and the reply in the same exchange.
        e.post(state::OCALL, b"ocall").expect("post");
        assert_eq!(h.take_message().expect("ocall"), b"ocall");
        h.post(state::OCALL_DONE, b"done").expect("post");
        assert_eq!(e.take_message().expect("ocall reply"), b"done");
        e.post(state::ECALL_DONE, b"reply 1").expect("post");
        assert_eq!(h.take_message().expect("reply"), b"reply 1");

        // The next call: a reply still tagged for the first one is refused.
        h.begin(state::ECALL, b"second").expect("post");
        assert_ne!(h.call_tag(), first_tag);
        let stale = Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let stale_slot = stale.slot(0).expect("slot");
        stale_slot.expected.store(first_tag, Ordering::Relaxed);
        stale_slot.post(state::ECALL_DONE, b"stale").expect("post");
        assert!(matches!(
            h.take_message(),
            Err(ChannelError::WrongCall { expected, found }) if found == first_tag && expected == h.call_tag()
        ));
        assert!(
            h.take_message()
                .err()
                .is_some_and(|e| e.is_protocol_violation())
        );
    }

    #[test]
    fn the_server_refuses_a_reply_to_an_exchange_it_did_not_start() {
        let (host, enclave) = pair();
        let (h, e) = (host.slot(0).expect("slot"), enclave.slot(0).expect("slot"));
        h.begin(state::ECALL, b"call").expect("post");
        e.accept().expect("request");
        e.post(state::OCALL, b"ocall").expect("post");
        // A host that answers with another call's tag (here: a fresh one).
        h.begin(state::OCALL_DONE, b"forged").expect("post");
        assert!(matches!(
            e.take_message(),
            Err(ChannelError::WrongCall { .. })
        ));
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    fn layout() -> PoolLayout {
        PoolLayout {
            tasks: 128,
            task_capacity: 256,
            tworkers: 2,
            policy: 1,
            sleep_after_us: 50,
            cores: 0,
            fallback_us: 100,
        }
    }

    fn with_pool(ecalls: PoolLayout) -> Option<SwitchlessLayout> {
        Some(SwitchlessLayout {
            ecalls,
            ocalls: None,
            arena: 0,
        })
    }

    #[test]
    fn the_enclave_sees_the_pool_the_host_made() {
        let host = Channel::create_with_pool(1, 64, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let pool = enclave.pool().expect("pool");
        assert_eq!((pool.tasks(), pool.task_capacity()), (128, 256));
        assert_eq!(
            pool.settings(),
            WorkerSettings {
                workers: 2,
                wakeup: true,
                sleep_after: Duration::from_micros(50),
                cores: 0
            }
        );
        assert!(Channel::create(1, 64).expect("plain").pool().is_none());
        let bad = PoolLayout {
            tasks: 1000,
            ..layout()
        };
        assert!(Channel::create_with_pool(1, 64, with_pool(bad)).is_err());
    }

    #[test]
    fn every_task_is_claimed_or_revoked_exactly_once() {
        let host = Channel::create_with_pool(1, 64, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let (hp, ep) = (host.pool().expect("pool"), enclave.pool().expect("pool"));
        std::thread::scope(|s| {
            let claimer = s.spawn(|| {
                let mut claimed = Vec::new();
                let deadline = std::time::Instant::now() + Duration::from_millis(200);
                while std::time::Instant::now() < deadline {
                    if let Some(i) = ep.claim(claimed.last().copied()) {
                        claimed.push(i);
                    }
                }
                claimed
            });
            let mut revoked = Vec::new();
            for round in 0..200 {
                // Few tasks, so the worker often watches the one posted.
                let i = round % 3;
                let task = hp.task(i).expect("task");
                task.begin(state::ECALL, b"call").expect("post");
                hp.publish(i);
                if round % 2 == 0 {
                    std::thread::yield_now();
                }
                if hp.revoke(i) {
                    revoked.push(i);
                }
            }
            let claimed = claimer.join().expect("join");
            assert_eq!(
                claimed.len() + revoked.len(),
                200,
                "each submission ran exactly once"
            );
        });
    }

    #[test]
    fn a_watched_task_skips_the_bitmap_until_its_watcher_leaves() {
        let host = Channel::create_with_pool(1, 64, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let (hp, ep) = (host.pool().expect("pool"), enclave.pool().expect("pool"));
        ep.watch(0);
        hp.task(0)
            .expect("task")
            .begin(state::ECALL, b"call")
            .expect("post");
        hp.publish(0);
        assert_eq!(ep.claim(None), None, "left to the watcher, not the bitmap");
        // The watcher goes elsewhere before it looked: the call is not lost.
        ep.unwatch(0);
        assert_eq!(ep.claim(None), Some(0));
        // Unwatched, a submission goes to the bitmap at once.
        hp.task(1)
            .expect("task")
            .begin(state::ECALL, b"call")
            .expect("post");
        hp.publish(1);
        assert_eq!(ep.claim(None), Some(1));
    }

    #[test]
    fn a_worker_that_slept_still_serves_the_task_it_watched() {
        let host = Channel::create_with_pool(1, 64, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let worker = s.spawn(|| {
                let pool = enclave.pool().expect("pool");
                let settings = pool.settings();
                let stop = || done.load(Ordering::Acquire);
                // Naps outlast the submitter's budget: only a doorbell wakes it in time.
                pool.run_worker(settings, stop, Duration::from_secs(30), |i| {
                    let task = pool.task(i).expect("task");
                    let request = task.accept().expect("request");
                    task.post(state::ECALL_DONE, &request).expect("reply");
                });
            });
            let pool = host.pool().expect("pool");
            let task = pool.task(0).expect("task");
            let answered = |s| s == state::ECALL_DONE;
            let mut outcomes = Vec::new();
            for round in 0..6u8 {
                // Long enough for the worker (50 µs budget) to fall asleep.
                if round % 2 == 1 {
                    std::thread::sleep(Duration::from_millis(5));
                }
                task.begin(state::ECALL, &[round]).expect("post");
                let handed = pool.hand_over(0, answered, Duration::from_secs(3));
                outcomes.push((handed, task.take_message().ok()));
                task.set_state(state::IDLE);
            }
            done.store(true, Ordering::Release);
            while !worker.is_finished() {
                pool.wake_workers();
                std::thread::sleep(Duration::from_millis(1));
            }
            for (round, outcome) in (0..6u8).zip(outcomes) {
                let expected = (HandOver::Answered(state::ECALL_DONE), Some(vec![round]));
                assert_eq!(outcome, expected, "round {round}");
            }
        });
    }

    #[test]
    fn a_task_holds_only_its_own_capacity() {
        let host = Channel::create_with_pool(1, 64 << 10, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let task = host.pool().expect("pool").task(0).expect("task");
        // The call slots hold 64 KiB; a task holds 256 bytes.
        assert!(matches!(
            task.post(state::ECALL_DONE, &[1; 257]),
            Err(ChannelError::TooLarge { capacity: 256, .. })
        ));
        task.post_or_error(state::ECALL_DONE, &[1; 5000]);
        let reply = enclave.pool().expect("pool").task(0).expect("task");
        let error = reply.take_message().expect("an error reply fits");
        assert!(secgear_abi::Reader::reply(&error).is_err());
        // A hostile length past the task (but within a call slot's size) is refused.
        let length_field = task.base + 8;
        host.region
            .u64_at(length_field)
            .store(4096, Ordering::Relaxed);
        assert!(matches!(
            reply.take_message(),
            Err(ChannelError::BadLength { .. })
        ));
    }

    #[test]
    fn a_sleeping_worker_is_woken_by_a_publish() {
        let host = Channel::create_with_pool(1, 64, with_pool(layout())).expect("create");
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        std::thread::scope(|s| {
            let worker = s.spawn(|| {
                let pool = enclave.pool().expect("pool");
                let started = std::time::Instant::now();
                while pool.claim(None).is_none() {
                    pool.sleep_until_work(Duration::from_secs(5));
                }
                started.elapsed()
            });
            std::thread::sleep(Duration::from_millis(50));
            let pool = host.pool().expect("pool");
            pool.task(3)
                .expect("task")
                .begin(state::ECALL, b"call")
                .expect("post");
            pool.publish(3);
            assert!(
                worker.join().expect("join") < Duration::from_secs(2),
                "woken, not timed out"
            );
        });
        let (sleeps, wakes) = host.pool().expect("pool").counters();
        assert!(sleeps >= 1 && wakes >= 1);
    }
}

#[cfg(test)]
mod arena_tests {
    use super::*;
    use proptest::prelude::*;

    fn full() -> Channel {
        let pool = PoolLayout {
            tasks: 64,
            task_capacity: 128,
            tworkers: 1,
            policy: 0,
            sleep_after_us: 0,
            cores: 0,
            fallback_us: 250,
        };
        let layout = SwitchlessLayout {
            ecalls: pool,
            ocalls: Some(PoolLayout {
                tworkers: 3,
                ..pool
            }),
            arena: 10_000,
        };
        Channel::create_with_pool(1, 64, Some(layout)).expect("create")
    }

    #[test]
    fn the_enclave_sees_both_pools_and_the_arena() {
        let host = full();
        let enclave =
            Channel::attach(host.fd().try_clone_to_owned().expect("dup")).expect("attach");
        let ocalls = enclave.ocall_pool().expect("ocall pool");
        assert_eq!(ocalls.settings().workers, 3);
        assert_eq!(ocalls.fallback_budget(), Duration::from_micros(250));
        let arena = enclave.arena().expect("arena");
        assert_eq!(arena.len(), 12_288, "rounded up to pages");
        host.arena()
            .expect("arena")
            .write(12_280, b"12345678")
            .expect("last bytes");
        let mut got = [0u8; 8];
        arena.read(12_280, &mut got).expect("read");
        assert_eq!(&got, b"12345678");
        assert!(Channel::create(1, 64).expect("plain").arena().is_none());
    }

    #[test]
    fn a_hostile_arena_header_is_refused() {
        let attach = |field: usize, value: u64| {
            let host = full();
            host.region.u64_at(field).store(value, Ordering::Relaxed);
            Channel::attach(host.fd().try_clone_to_owned().expect("dup"))
        };
        let len = full().region.len() as u64;
        let base = full().region.u64_at(OFF_ARENA).load(Ordering::Relaxed);
        for (field, value) in [
            (OFF_ARENA_LEN, 1 << 29),
            (OFF_ARENA_LEN, 0),
            (OFF_ARENA, len - 4096),
            (OFF_ARENA, u64::MAX - 10),
            (OFF_ARENA, 8),
        ] {
            assert!(
                matches!(attach(field, value), Err(ChannelError::BadHeader(_))),
                "{field} = {value}"
            );
        }
        // A base moved back into the pools still lies in the region: the
        // enclave accepts it, since everything there is host memory anyway.
        assert!(attach(OFF_ARENA, base - 4096).is_ok());
    }

    proptest! {
        /// Any (offset, length) pair is either entirely inside the arena or refused.
        #[test]
        fn arena_accesses_stay_inside(offset in any::<u64>(), len in 0u64..20_000) {
            let host = full();
            let arena = host.arena().expect("arena");
            // The arena is 10_000 bytes rounded up to 12_288.
            let inside = offset <= 12_288 && len <= 12_288 - offset;
            let mut buf = vec![0u8; len as usize];
            prop_assert_eq!(arena.read(offset, &mut buf).is_ok(), inside);
            prop_assert_eq!(arena.write(offset, &buf).is_ok(), inside);
        }

        /// Whatever length and tag a hostile peer writes into a slot, the
        /// host takes a message only when the tag is the call's and the
        /// length fits; anything else is a protocol violation.
        #[test]
        fn hostile_lengths_and_tags_never_pass(len in prop_oneof![0u64..200, any::<u64>()], stale in any::<bool>(), tag in any::<u64>()) {
            let host = Channel::create(1, 100).expect("create");
            let slot = host.slot(0).expect("slot");
            slot.begin(state::ECALL, b"request").expect("post");
            let current = slot.call_tag();
            let written = if stale { current } else { tag };
            host.region.u64_at(HEADER_LEN + 8).store(len, Ordering::Relaxed);
            host.region.u64_at(HEADER_LEN + SLOT_TAG).store(written, Ordering::Relaxed);
            match slot.take_message() {
                Ok(message) => {
                    prop_assert_eq!(written, current);
                    prop_assert!(len <= 100);
                    prop_assert_eq!(message.len() as u64, len);
                }
                Err(e) => {
                    prop_assert!(e.is_protocol_violation());
                    prop_assert!(written != current || len > 100);
                }
            }
        }
    }
}
