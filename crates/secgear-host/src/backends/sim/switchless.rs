//! The simulation TEE's switchless paths: synchronous and asynchronous
//! ECALLs through the enclave's task pool, host workers serving the
//! switchless OCALL pool, and the shared-buffer arena.

use super::{LIVENESS_POLL, SimEnclave};
use crate::backend::Backend;
use secgear_abi::{AsyncId, CallKind, Error, ErrorCode, OcallDispatch, Reader, Writer};
use secgear_sim::channel::{Channel, Slot, state};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a switchless caller spins for the result before it sleeps.
pub(super) const RESULT_SPIN: Duration = Duration::from_micros(200);

/// Host-side state of the switchless pools.
pub(crate) struct SwitchlessState {
    free: Mutex<Vec<usize>>,
    fallback_after: Duration,
    rollback_to_common: bool,
    /// Per task: the generation of the asynchronous call it carries (0: none).
    owners: Box<[Mutex<u64>]>,
    next_generation: AtomicU64,
    served: AtomicU64,
    fallbacks: AtomicU64,
    pool_full: AtomicU64,
    oversized: AtomicU64,
    pub(super) ocalls_served: Arc<AtomicU64>,
}

impl SwitchlessState {
    pub(crate) fn new(cfg: &crate::SwitchlessConfig) -> Self {
        Self {
            free: Mutex::new((0..cfg.tasks()).rev().collect()),
            fallback_after: Duration::from_micros(cfg.retries_before_fallback.into()),
            rollback_to_common: cfg.rollback_to_common,
            owners: (0..cfg.tasks()).map(|_| Mutex::new(0)).collect(),
            next_generation: AtomicU64::new(1),
            served: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            pool_full: AtomicU64::new(0),
            oversized: AtomicU64::new(0),
            ocalls_served: Arc::new(AtomicU64::new(0)),
        }
    }

    fn take_task(&self) -> Option<usize> {
        self.free.lock().ok().and_then(|mut f| f.pop())
    }

    fn release(&self, task: usize) {
        if let Ok(mut free) = self.free.lock() {
            free.push(task);
        }
    }
}

fn stale(id: AsyncId) -> Error {
    Error::new(
        ErrorCode::SwitchlessInvalidTaskId,
        format!(
            "asynchronous call {}:{} is unknown or its result was already collected",
            id.task, id.generation
        ),
    )
}

impl SimEnclave {
    /// A task holding `request`, published to the workers; `None` (counted)
    /// when the request is too large or the pool is full.
    fn publish_task(&self, sl: &SwitchlessState, request: &[u8]) -> Option<Result<usize, ()>> {
        let pool = self.channel.pool()?;
        if request.len() > pool.task_capacity() {
            sl.oversized.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let Some(index) = sl.take_task() else {
            sl.pool_full.fetch_add(1, Ordering::Relaxed);
            return Some(Err(()));
        };
        let task = pool.task(index)?;
        if task.post(state::ECALL, request).is_err() {
            sl.release(index);
            return None;
        }
        Some(Ok(index))
    }

    pub(super) fn switchless_call(
        &self,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Option<Result<Vec<u8>, Error>> {
        let sl = self.switchless.as_ref()?;
        let pool = self.channel.pool()?;
        if self.is_dead() {
            return Some(Err(self.dead_error()));
        }
        let index = self.publish_task(sl, request)?.ok()?;
        let task = pool.task(index)?;
        pool.publish(index);
        if !pool.await_claim(index, sl.fallback_after) {
            // No worker took it: ours again, run it the normal way.
            sl.fallbacks.fetch_add(1, Ordering::Relaxed);
            sl.release(index);
            return None;
        }
        let result = self.complete(&task, ocalls, RESULT_SPIN);
        if result.is_ok() {
            sl.served.fetch_add(1, Ordering::Relaxed);
        }
        // A task left mid-call by a dead enclave is never reused.
        if !self.is_dead() {
            sl.release(index);
        }
        Some(result)
    }

    pub(super) fn submit_async_call(&self, request: &[u8]) -> Option<Result<AsyncId, Error>> {
        let sl = self.switchless.as_ref()?;
        let pool = self.channel.pool()?;
        if self.is_dead() {
            return Some(Err(self.dead_error()));
        }
        let index = match self.publish_task(sl, request)? {
            Ok(index) => index,
            Err(()) if sl.rollback_to_common => return None,
            Err(()) => {
                return Some(Err(Error::new(
                    ErrorCode::SwitchlessTaskPoolFull,
                    format!(
                        "all {} switchless tasks are in use (set rollback_to_common to run such calls normally)",
                        pool.tasks()
                    ),
                )));
            }
        };
        let generation = sl.next_generation.fetch_add(1, Ordering::Relaxed);
        match sl.owners.get(index).map(|o| o.lock()) {
            Some(Ok(mut owner)) => *owner = generation,
            _ => {
                sl.release(index);
                return Some(Err(Error::new(ErrorCode::BadState, "async table poisoned")));
            }
        }
        pool.publish(index);
        let task = u32::try_from(index).ok()?;
        Some(Ok(AsyncId { task, generation }))
    }

    pub(super) fn collect_async(
        &self,
        id: AsyncId,
        wait: Option<Duration>,
        ocalls: &dyn OcallDispatch,
    ) -> Result<Option<Vec<u8>>, Error> {
        let (Some(sl), Some(pool)) = (self.switchless.as_ref(), self.channel.pool()) else {
            return Err(stale(id));
        };
        let index = id.task as usize;
        let (Some(owner), Some(task)) = (sl.owners.get(index), pool.task(index)) else {
            return Err(stale(id));
        };
        let poisoned = || Error::new(ErrorCode::BadState, "async table poisoned");
        let mut owner = if wait == Some(Duration::ZERO) {
            match owner.try_lock() {
                Ok(guard) => guard,
                // Another thread is collecting or serving this task right now.
                Err(std::sync::TryLockError::WouldBlock) => return Ok(None),
                Err(_) => return Err(poisoned()),
            }
        } else {
            owner.lock().map_err(|_| poisoned())?
        };
        if id.generation == 0 || *owner != id.generation {
            return Err(stale(id));
        }
        let deadline = wait.map(|w| Instant::now() + w);
        let mut spun = false;
        loop {
            match task.state() {
                state::ECALL_DONE => {
                    let reply = task
                        .take_message()
                        .map_err(|e| Error::malformed(e.to_string()));
                    *owner = 0;
                    drop(owner);
                    sl.release(index);
                    sl.served.fetch_add(1, Ordering::Relaxed);
                    return reply.map(Some);
                }
                state::OCALL => {
                    self.answer_ocall(&task, ocalls);
                    continue;
                }
                _ => {}
            }
            if self.is_dead() {
                // The task stays out of the free list: the dead enclave may
                // have left it mid-call.
                *owner = 0;
                return Err(self.dead_error());
            }
            let remaining = match deadline {
                None => LIVENESS_POLL,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(r) if !r.is_zero() => r.min(LIVENESS_POLL),
                    _ => return Ok(None),
                },
            };
            let ready = |s| s == state::ECALL_DONE || s == state::OCALL;
            if !spun {
                spun = true;
                if task.spin_for(ready, RESULT_SPIN.min(remaining)).is_some() {
                    continue;
                }
            }
            task.wait_for(ready, Some(remaining));
        }
    }

    pub(super) fn stats(&self) -> Option<crate::SwitchlessStats> {
        let sl = self.switchless.as_ref()?;
        let (sleeps, wakes) = self.channel.pool()?.counters();
        Some(crate::SwitchlessStats {
            served: sl.served.load(Ordering::Relaxed),
            fallbacks: sl.fallbacks.load(Ordering::Relaxed),
            pool_full: sl.pool_full.load(Ordering::Relaxed),
            oversized: sl.oversized.load(Ordering::Relaxed),
            worker_sleeps: sleeps,
            worker_wakes: wakes,
            ocalls_served: sl.ocalls_served.load(Ordering::Relaxed),
            ocall_fallbacks: self.channel.ocall_pool().map_or(0, |p| p.fallbacks()),
        })
    }
}

fn arena_error(e: secgear_sim::channel::ChannelError) -> Error {
    Error::new(ErrorCode::AddressUnaccessable, e.to_string())
}

impl SimEnclave {
    pub(super) fn arena_size(&self) -> u64 {
        self.channel.arena().map_or(0, |a| a.len() as u64)
    }

    pub(super) fn arena_copy_in(&self, offset: u64, src: &[u8]) -> Result<(), Error> {
        let arena = self.channel.arena().ok_or_else(no_arena)?;
        arena.write(offset, src).map_err(arena_error)
    }

    pub(super) fn arena_copy_out(&self, offset: u64, dst: &mut [u8]) -> Result<(), Error> {
        let arena = self.channel.arena().ok_or_else(no_arena)?;
        arena.read(offset, dst).map_err(arena_error)
    }
}

fn no_arena() -> Error {
    Error::new(
        ErrorCode::SwitchlessDisabled,
        "this enclave has no shared arena",
    )
}

/// A host worker serving the switchless OCALL pool until the enclave stops.
pub(super) fn serve_ocall_pool(
    channel: Arc<Channel>,
    ocalls: Arc<dyn OcallDispatch>,
    dead: Arc<AtomicBool>,
    served: Arc<AtomicU64>,
) {
    let Some(pool) = channel.ocall_pool() else {
        return;
    };
    let stop = || channel.shutdown_requested() || dead.load(Ordering::Acquire);
    pool.run_worker(stop, LIVENESS_POLL, |index| {
        let Some(task) = pool.task(index) else {
            return;
        };
        let reply = match task.take_message() {
            Ok(request) => serve_one(&request, ocalls.as_ref()),
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        post_reply(&task, reply);
        served.fetch_add(1, Ordering::Relaxed);
    });
}

fn serve_one(request: &[u8], ocalls: &dyn OcallDispatch) -> Vec<u8> {
    match Reader::request(request) {
        Ok((header, _)) if header.kind == CallKind::Ocall => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ocalls.dispatch_ocall(request)
            }))
            .unwrap_or_else(|_| {
                tracing::error!(target: "secgear::sim", "a switchless OCALL handler panicked");
                Writer::error_reply(&Error::new(
                    ErrorCode::Unexpected,
                    "the host's OCALL handler panicked",
                ))
            })
        }
        Ok(_) => Writer::error_reply(&Error::new(
            ErrorCode::InvalidCmd,
            "only OCALLs travel through the switchless OCALL pool",
        )),
        Err(e) => Writer::error_reply(&e),
    }
}

fn post_reply(task: &Slot<'_>, reply: Vec<u8>) {
    if let Err(e) = task.post(state::ECALL_DONE, &reply) {
        // An error reply is 8 bytes; every task holds at least 64.
        let error = Error::new(ErrorCode::ExcessData, e.to_string());
        let _ = task.post(state::ECALL_DONE, &Writer::error_reply(&error));
    }
}
