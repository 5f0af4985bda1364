//! The simulation TEE: each enclave is a separate, sandboxed process that
//! the host reaches only through a shared-memory channel (`secgear-sim`).
//! It is as isolated as an ordinary process, not as a hardware enclave:
//! it is for development and tests, never for secrets.

pub mod loader;
pub mod platform;

use crate::backend::Backend;
use platform::{Identity, SimPlatform};
use secgear_abi::{CallKind, Error, ErrorCode, OcallDispatch, Reader, Writer};
use secgear_sim::channel::{Channel, state};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a waiting host thread re-checks whether the enclave died.
const LIVENESS_POLL: Duration = Duration::from_millis(100);

/// Host-side state of the switchless pool.
pub(crate) struct SwitchlessState {
    free: Mutex<Vec<usize>>,
    fallback_after: Duration,
    served: AtomicU64,
    fallbacks: AtomicU64,
    pool_full: AtomicU64,
    oversized: AtomicU64,
}

impl SwitchlessState {
    pub(crate) fn new(cfg: &crate::SwitchlessConfig) -> Self {
        Self {
            free: Mutex::new((0..cfg.tasks()).rev().collect()),
            fallback_after: Duration::from_micros(cfg.retries_before_fallback.into()),
            served: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            pool_full: AtomicU64::new(0),
            oversized: AtomicU64::new(0),
        }
    }

    fn release(&self, task: usize) {
        if let Ok(mut free) = self.free.lock() {
            free.push(task);
        }
    }
}

/// How long a switchless caller spins for the result before it sleeps.
const RESULT_SPIN: Duration = Duration::from_micros(200);

pub(crate) struct SimEnclave {
    channel: Arc<Channel>,
    platform: Arc<SimPlatform>,
    identity: Identity,
    dead: Arc<AtomicBool>,
    pid: rustix::process::Pid,
    /// Signals the child without racing pid reuse after it is reaped.
    pub(crate) pidfd: std::os::fd::OwnedFd,
    monitor: Mutex<Option<JoinHandle<()>>>,
    pub(crate) switchless: Option<SwitchlessState>,
}

impl SimEnclave {
    pub(crate) fn process_id(&self) -> u32 {
        self.pid.as_raw_nonzero().get() as u32
    }

    /// Waits for the reply on `slot`, serving the OCALLs the enclave makes
    /// meanwhile; spins for `spin` first (switchless workers answer in
    /// microseconds), then sleeps, re-checking that the enclave lives.
    fn complete(
        &self,
        slot: &secgear_sim::channel::Slot<'_>,
        ocalls: &dyn OcallDispatch,
        spin: Duration,
    ) -> Result<Vec<u8>, Error> {
        let accept = |s| s == state::ECALL_DONE || s == state::OCALL;
        let mut spun = spin.is_zero();
        loop {
            let seen = if spun {
                slot.wait_for(accept, Some(LIVENESS_POLL))
            } else {
                spun = true;
                slot.spin_for(accept, spin)
                    .or_else(|| slot.wait_for(accept, Some(LIVENESS_POLL)))
            };
            match seen {
                Some(state::ECALL_DONE) => {
                    return slot
                        .take_message()
                        .map_err(|e| Error::malformed(e.to_string()));
                }
                Some(_) => {
                    // Whatever happens here, the enclave gets an OCALL_DONE:
                    // a slot must never be left waiting for an answer.
                    let reply = match slot.take_message() {
                        Ok(ocall) => {
                            let served =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    self.serve_ocall(&ocall, ocalls)
                                }));
                            served.unwrap_or_else(|_| {
                                tracing::error!(target: "secgear::sim", "an OCALL handler panicked");
                                Writer::error_reply(&Error::new(ErrorCode::Unexpected, "the host's OCALL handler panicked"))
                            })
                        }
                        Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
                    };
                    if let Err(e) = slot.post(state::OCALL_DONE, &reply) {
                        // An error reply is 8 bytes; every slot holds at least 64.
                        let error = Error::new(ErrorCode::ExcessData, e.to_string());
                        let _ = slot.post(state::OCALL_DONE, &Writer::error_reply(&error));
                    }
                }
                None if self.is_dead() => return Err(self.dead_error()),
                None => {}
            }
        }
    }

    fn serve_ocall(&self, request: &[u8], ocalls: &dyn OcallDispatch) -> Vec<u8> {
        match Reader::request(request) {
            Ok((header, _)) if header.kind == CallKind::Platform => {
                self.platform.handle(request, &self.identity)
            }
            _ => ocalls.dispatch_ocall(request),
        }
    }
}

impl Backend for SimEnclave {
    fn slots(&self) -> usize {
        self.channel.slot_count()
    }

    fn call(
        &self,
        slot: usize,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Result<Vec<u8>, Error> {
        if self.is_dead() {
            return Err(self.dead_error());
        }
        let slot = self
            .channel
            .slot(slot)
            .ok_or_else(|| Error::new(ErrorCode::OutOfTcs, "no such slot"))?;
        slot.post(state::ECALL, request)
            .map_err(|e| Error::new(ErrorCode::ExcessData, e.to_string()))?;
        self.complete(&slot, ocalls, Duration::ZERO)
    }

    fn try_switchless(
        &self,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Option<Result<Vec<u8>, Error>> {
        let sl = self.switchless.as_ref()?;
        let pool = self.channel.pool()?;
        if self.is_dead() {
            return Some(Err(self.dead_error()));
        }
        if request.len() > pool.task_capacity() {
            sl.oversized.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let Some(index) = sl.free.lock().ok().and_then(|mut f| f.pop()) else {
            sl.pool_full.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        let task = pool.task(index)?;
        if task.post(state::ECALL, request).is_err() {
            sl.release(index);
            return None;
        }
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

    fn switchless_stats(&self) -> Option<crate::SwitchlessStats> {
        let sl = self.switchless.as_ref()?;
        let (sleeps, wakes) = self.channel.pool()?.counters();
        Some(crate::SwitchlessStats {
            served: sl.served.load(Ordering::Relaxed),
            fallbacks: sl.fallbacks.load(Ordering::Relaxed),
            pool_full: sl.pool_full.load(Ordering::Relaxed),
            oversized: sl.oversized.load(Ordering::Relaxed),
            worker_sleeps: sleeps,
            worker_wakes: wakes,
        })
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    fn dead_error(&self) -> Error {
        let note = self
            .channel
            .death_note()
            .unwrap_or_else(|| "the enclave process exited".into());
        Error::new(ErrorCode::EnclaveDead, note)
    }

    fn destroy(&self) -> Result<(), Error> {
        let Some(monitor) = self
            .monitor
            .lock()
            .map_err(|_| Error::new(ErrorCode::BadState, "poisoned"))?
            .take()
        else {
            return Ok(());
        };
        self.channel.request_shutdown();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while !self.is_dead() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        if !self.is_dead() {
            // It did not stop when asked: end it, through the pidfd, which
            // names our child even if it exits and is reaped meanwhile.
            let _ = rustix::process::pidfd_send_signal(&self.pidfd, rustix::process::Signal::KILL);
        }
        let _ = monitor.join();
        Ok(())
    }
}

impl Drop for SimEnclave {
    fn drop(&mut self) {
        let _ = self.destroy();
    }
}
