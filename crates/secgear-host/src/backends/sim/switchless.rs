//! The simulation TEE's switchless paths: synchronous and asynchronous
//! ECALLs through the enclave's task pool, host workers serving the
//! switchless OCALL pool, and the shared-buffer arena.

use super::{Carrier, LIVENESS_POLL, SimEnclave};
use crate::backend::Instance;
use secgear_abi::{AsyncId, CallKind, Error, ErrorCode, OcallDispatch, Reader, Writer};
use secgear_sim::channel::{Channel, FreeTasks, HandOver, RESULT_SPIN, WorkerSettings, state};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Generations of asynchronous calls, unique in the process: an id from one
/// enclave never matches a call of another.
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// The asynchronous call a task carries.
#[derive(Default)]
struct AsyncTask {
    /// Its generation (0: the task carries no asynchronous call).
    generation: AtomicU64,
    /// Held by the one thread looking at the task (collecting the reply or
    /// answering its OCALL); never held while sleeping.
    busy: AtomicBool,
}

/// Host-side state of the switchless pools.
pub(crate) struct SwitchlessState {
    free: FreeTasks,
    fallback_after: Duration,
    rollback_to_common: bool,
    /// Per task.
    async_tasks: Box<[AsyncTask]>,
    /// Tasks whose enclave side broke the protocol.
    pub(super) retired: super::Retired,
    /// Asynchronous calls submitted and not yet collected.
    outstanding: AtomicUsize,
    served: AtomicU64,
    fallbacks: AtomicU64,
    pool_full: AtomicU64,
    oversized: AtomicU64,
    pub(super) ocalls_served: Arc<AtomicU64>,
}

impl SwitchlessState {
    pub(crate) fn new(cfg: &crate::switchless::SwitchlessConfig) -> Self {
        Self {
            free: FreeTasks::new(cfg.tasks()),
            fallback_after: Duration::from_micros(cfg.retries_before_fallback.into()),
            rollback_to_common: cfg.rollback_to_common,
            async_tasks: (0..cfg.tasks()).map(|_| AsyncTask::default()).collect(),
            retired: super::Retired::new(cfg.tasks()),
            outstanding: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            pool_full: AtomicU64::new(0),
            oversized: AtomicU64::new(0),
            ocalls_served: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl SwitchlessState {
    /// Gives a task back for reuse, unless it was retired.
    fn release(&self, task: usize) {
        if !self.retired.contains(task) {
            self.free.release(task);
        }
    }
}

/// Exclusive access to one asynchronous task, released on drop.
struct Busy<'a>(&'a AsyncTask);

impl<'a> Busy<'a> {
    fn try_take(task: &'a AsyncTask) -> Option<Self> {
        task.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
            .then_some(Busy(task))
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

/// How long a waiter sleeps while other asynchronous calls are in flight:
/// it also answers their OCALLs, which wake nobody.
const SHARED_POLL: Duration = Duration::from_millis(1);

impl SimEnclave {
    /// A task holding `request`, published to the workers; `None` (counted)
    /// when the request is too large or the pool is full.
    fn publish_task(&self, sl: &SwitchlessState, request: &[u8]) -> Option<Result<usize, ()>> {
        let pool = self.channel.pool()?;
        if request.len() > pool.task_capacity() {
            sl.oversized.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let Some(index) = sl.free.take() else {
            sl.pool_full.fetch_add(1, Ordering::Relaxed);
            return Some(Err(()));
        };
        let posted = pool
            .task(index)
            .is_some_and(|task| task.begin(state::ECALL, request).is_ok());
        if !posted {
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
        let answered = |s| s == state::ECALL_DONE || s == state::OCALL;
        if pool.hand_over(index, answered, sl.fallback_after) == HandOver::Revoked {
            // No worker took it: ours again, run it the normal way.
            sl.fallbacks.fetch_add(1, Ordering::Relaxed);
            sl.release(index);
            return None;
        }
        let result = self.complete(Carrier::Task(index), &task, ocalls, RESULT_SPIN);
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
        let (Ok(task), Some(slot)) = (u32::try_from(index), sl.async_tasks.get(index)) else {
            sl.release(index);
            return None;
        };
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        slot.generation.store(generation, Ordering::Release);
        sl.outstanding.fetch_add(1, Ordering::Relaxed);
        pool.publish(index);
        Some(Ok(AsyncId { task, generation }))
    }

    /// Answers the OCALLs that other asynchronous calls are waiting on: the
    /// threads that will collect them may be waiting on this one.
    fn answer_other_ocalls(&self, sl: &SwitchlessState, mine: usize, ocalls: &dyn OcallDispatch) {
        let Some(pool) = self.channel.pool() else {
            return;
        };
        for (index, other) in sl.async_tasks.iter().enumerate() {
            if index == mine || other.generation.load(Ordering::Acquire) == 0 {
                continue;
            }
            if let (Some(task), Some(_busy)) = (pool.task(index), Busy::try_take(other))
                && other.generation.load(Ordering::Acquire) != 0
                && !sl.retired.contains(index)
                && task.state() == state::OCALL
                && let Err(e) = self.answer_ocall(&task, ocalls)
            {
                // Its collector finds the task retired and fails the call.
                self.protocol_violation(Carrier::Task(index), &e);
            }
        }
    }

    pub(super) fn collect_async(
        &self,
        id: AsyncId,
        wait: Option<Duration>,
        ocalls: &dyn OcallDispatch,
    ) -> Result<Option<Vec<u8>>, Error> {
        let unknown = || secgear_abi::async_call::unknown_call(id);
        let (Some(sl), Some(pool)) = (self.switchless.as_ref(), self.channel.pool()) else {
            return Err(unknown());
        };
        let index = id.task as usize;
        let (Some(slot), Some(task)) = (sl.async_tasks.get(index), pool.task(index)) else {
            return Err(unknown());
        };
        let deadline = wait.map(|w| Instant::now() + w);
        let mut spun = false;
        loop {
            if self.is_dead() {
                return Err(self.dead_error());
            }
            if id.generation == 0 || slot.generation.load(Ordering::Acquire) != id.generation {
                return Err(unknown());
            }
            if let Some(_busy) = Busy::try_take(slot) {
                // Re-checked under the flag: only its holder retires a call.
                if slot.generation.load(Ordering::Acquire) != id.generation {
                    return Err(unknown());
                }
                let retire_call = || {
                    slot.generation.store(0, Ordering::Release);
                    sl.outstanding.fetch_sub(1, Ordering::Relaxed);
                };
                if sl.retired.contains(index) {
                    retire_call();
                    return Err(super::retired_error(Carrier::Task(index)));
                }
                match task.state() {
                    state::ECALL_DONE => {
                        let reply = task
                            .take_message()
                            .map_err(|e| self.protocol_violation(Carrier::Task(index), &e));
                        retire_call();
                        sl.release(index);
                        if reply.is_ok() {
                            sl.served.fetch_add(1, Ordering::Relaxed);
                        }
                        return reply.map(Some);
                    }
                    state::OCALL => {
                        if let Err(e) = self.answer_ocall(&task, ocalls) {
                            retire_call();
                            return Err(self.protocol_violation(Carrier::Task(index), &e));
                        }
                        continue;
                    }
                    _ => {}
                }
            }
            let others_outstanding = sl.outstanding.load(Ordering::Relaxed) > 1;
            if others_outstanding {
                self.answer_other_ocalls(sl, index, ocalls);
            }
            let limit = if others_outstanding {
                SHARED_POLL
            } else {
                LIVENESS_POLL
            };
            let nap = match deadline {
                None => limit,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(r) if !r.is_zero() => r.min(limit),
                    _ => return Ok(None),
                },
            };
            let ready = |s| s == state::ECALL_DONE || s == state::OCALL;
            if !spun {
                spun = true;
                if task.spin_for(ready, RESULT_SPIN.min(nap)).is_some() {
                    continue;
                }
            }
            task.wait_for(ready, Some(nap));
        }
    }

    pub(super) fn stats(&self) -> Option<crate::switchless::SwitchlessStats> {
        let sl = self.switchless.as_ref()?;
        let (sleeps, wakes) = self.channel.pool()?.counters();
        Some(crate::switchless::SwitchlessStats {
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
        let arena = self.channel.arena().ok_or_else(crate::backend::no_arena)?;
        arena.write(offset, src).map_err(arena_error)
    }

    pub(super) fn arena_copy_out(&self, offset: u64, dst: &mut [u8]) -> Result<(), Error> {
        let arena = self.channel.arena().ok_or_else(crate::backend::no_arena)?;
        arena.read(offset, dst).map_err(arena_error)
    }
}

/// A host worker serving the switchless OCALL pool until the enclave stops.
pub(super) fn serve_ocall_pool(
    channel: Arc<Channel>,
    settings: WorkerSettings,
    ocalls: Arc<dyn OcallDispatch>,
    dead: Arc<AtomicBool>,
    served: Arc<AtomicU64>,
) {
    let Some(pool) = channel.ocall_pool() else {
        return;
    };
    let stop = || channel.shutdown_requested() || dead.load(Ordering::Acquire);
    pool.run_worker(settings, stop, LIVENESS_POLL, |index| {
        let Some(task) = pool.task(index) else {
            return;
        };
        let reply = match task.accept() {
            Ok(request) => serve_one(&request, ocalls.as_ref()),
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        task.post_or_error(state::ECALL_DONE, &reply);
        served.fetch_add(1, Ordering::Relaxed);
    });
}

fn serve_one(request: &[u8], ocalls: &dyn OcallDispatch) -> Vec<u8> {
    match Reader::request(request) {
        Ok((header, _))
            if header.kind == CallKind::Ocall && ocalls.is_switchless(header.function_id) =>
        {
            super::dispatch_guarded(ocalls, request)
        }
        Ok(_) => Writer::error_reply(&Error::new(
            ErrorCode::InvalidCmd,
            "only switchless OCALLs travel through the switchless OCALL pool",
        )),
        Err(e) => Writer::error_reply(&e),
    }
}
