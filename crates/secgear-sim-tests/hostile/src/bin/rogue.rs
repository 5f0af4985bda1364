//! An image that serves its channel itself, without the runtime, and breaks
//! the call protocol on demand: `add(666, _)` and `sw_add(666, _)` (on a
//! call slot or a switchless task) get a reply whose length lies
//! past the region; the worker then keeps watching that slot or task and,
//! should the host hand it to another call, answers that call at once with
//! a stale `0`. Every other `add`/`sw_add` is answered correctly.
//!
//! It writes the bad length through its own mapping of the region, at the
//! offsets the channel's documented layout gives: what a hostile enclave
//! would do.

use secgear_abi::{CallKind, Reader, Writer};
use secgear_sim::channel::{Channel, Slot, state};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

#[allow(dead_code)]
mod edl {
    secgear_abi::include_enclave!("tests");
}

const TRIGGER: i32 = 666;
/// The channel's layout (secgear-sim `channel.rs`).
const HEADER_LEN: usize = 4096;
const SLOT_DATA: usize = 64;
const OFF_POOL: usize = 2048;
const POOL_HEADER: usize = 4096;
const P_CAPACITY: usize = 8;

fn stride(capacity: usize) -> usize {
    (SLOT_DATA + capacity).next_multiple_of(4096)
}

/// Where call slot `i` starts, and where task `i` of the ECALL pool does.
fn slot_base(channel: &Channel, i: usize) -> usize {
    HEADER_LEN + i * stride(channel.capacity())
}

fn task_base(region: &Raw, i: usize) -> usize {
    let pool = region.u64_at(OFF_POOL).load(Ordering::Relaxed) as usize;
    let capacity = region.u64_at(pool + P_CAPACITY).load(Ordering::Relaxed) as usize;
    pool + POOL_HEADER + i * stride(capacity)
}

/// The rogue's own mapping of the channel (the sandbox lets it map the
/// channel, not duplicate its descriptor).
struct Raw {
    base: *mut u8,
    len: usize,
}

// SAFETY: the mapping is shared memory accessed only through atomics.
unsafe impl Sync for Raw {}

impl Raw {
    fn map() -> Option<Self> {
        // SAFETY: fstat fills the stat buffer on this frame; mmap maps the
        // channel descriptor the loader placed at 3, shared, for its size.
        unsafe {
            let mut stat: libc::stat = std::mem::zeroed();
            if libc::fstat(secgear_sim::CHANNEL_FD, &mut stat) != 0 {
                return None;
            }
            let len = usize::try_from(stat.st_size).ok()?;
            let base = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                secgear_sim::CHANNEL_FD,
                0,
            );
            (base != libc::MAP_FAILED).then_some(Raw {
                base: base.cast(),
                len,
            })
        }
    }

    fn u64_at(&self, offset: usize) -> &AtomicU64 {
        assert!(offset.is_multiple_of(8) && offset + 8 <= self.len);
        // SAFETY: aligned, inside the mapping, which lives as long as self.
        unsafe { AtomicU64::from_ptr(self.base.add(offset).cast()) }
    }

    fn u32_at(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.len);
        // SAFETY: as for u64_at.
        unsafe { AtomicU32::from_ptr(self.base.add(offset).cast()) }
    }
}

fn sum_reply(a: i32, b: i32) -> Vec<u8> {
    let mut w = Writer::reply();
    w.put(&a.wrapping_add(b));
    w.finish()
}

/// The arguments of an `add` or `sw_add` call (a switchless call that
/// falls back arrives on a call slot).
fn add_args(request: &[u8]) -> Option<(i32, i32)> {
    let (header, mut r) = Reader::request(request).ok()?;
    let adds = [edl::ecall_ids::add, edl::ecall_ids::sw_add];
    if header.kind != CallKind::Ecall || !adds.contains(&header.function_id) {
        return None;
    }
    Some((r.get().ok()?, r.get().ok()?))
}

/// Posts a reply whose length lies past the slot, then waits (a while) for
/// the host to reuse the slot and answers that call with a stale `0`.
fn break_protocol(region: &Raw, slot: &Slot<'_>, base: usize) {
    region
        .u64_at(base + 8)
        .store(u64::MAX / 2, Ordering::Relaxed);
    let word = region.u32_at(base);
    word.store(state::ECALL_DONE, Ordering::SeqCst);
    secgear_sim::futex::wake_all(word);
    for _ in 0..50 {
        if slot
            .wait_for(|s| s == state::ECALL, Some(Duration::from_millis(100)))
            .is_some()
        {
            // Still tagged for the broken call: a reply to nothing current.
            let _ = slot.post(state::ECALL_DONE, &sum_reply(0, 0));
            return;
        }
    }
}

fn serve_slot(channel: &Channel, region: &Raw, index: usize) {
    let Some(slot) = channel.slot(index) else {
        return;
    };
    while !channel.shutdown_requested() {
        if slot
            .wait_for(|s| s == state::ECALL, Some(Duration::from_millis(200)))
            .is_none()
        {
            continue;
        }
        let Ok(request) = slot.accept() else {
            continue;
        };
        match add_args(&request) {
            Some((TRIGGER, _)) => break_protocol(region, &slot, slot_base(channel, index)),
            Some((a, b)) => {
                let _ = slot.post(state::ECALL_DONE, &sum_reply(a, b));
            }
            None => slot.post_or_error(
                state::ECALL_DONE,
                &Writer::error_reply(&secgear_abi::Error::new(
                    secgear_abi::ErrorCode::InvalidCmd,
                    "the rogue enclave answers add only",
                )),
            ),
        }
    }
}

fn serve_pool(channel: &Channel, region: &Raw) {
    let Some(pool) = channel.pool() else {
        return;
    };
    let stop = || channel.shutdown_requested();
    pool.run_worker(pool.settings(), stop, Duration::from_millis(200), |index| {
        let Some(task) = pool.task(index) else {
            return;
        };
        let Ok(request) = task.accept() else {
            return;
        };
        match add_args(&request) {
            Some((TRIGGER, _)) => break_protocol(region, &task, task_base(region, index)),
            Some((a, b)) => {
                let _ = task.post(state::ECALL_DONE, &sum_reply(a, b));
            }
            None => {}
        }
    });
}

fn main() {
    // SAFETY: the loader hands this process descriptor 3 for its channel,
    // and nothing else in it owns that descriptor.
    let fd = unsafe { OwnedFd::from_raw_fd(secgear_sim::CHANNEL_FD) };
    let Some(region) = Raw::map() else {
        std::process::exit(2);
    };
    let Ok(channel) = Channel::attach(fd) else {
        std::process::exit(3);
    };
    let (channel, region) = (&channel, &region);
    std::thread::scope(|scope| {
        for index in 0..channel.slot_count() {
            scope.spawn(move || serve_slot(channel, region, index));
        }
        scope.spawn(move || serve_pool(channel, region));
        channel.set_ready(secgear_sim::channel::ready::SERVING);
    });
    std::process::exit(0);
}
