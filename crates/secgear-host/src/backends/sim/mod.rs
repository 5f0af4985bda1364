//! The simulation TEE: each enclave is a separate, sandboxed process that
//! the host reaches only through a shared-memory channel (`secgear-sim`).
//! It is as isolated as an ordinary process, not as a hardware enclave:
//! it is for development and tests, never for secrets.

pub mod loader;
pub mod platform;
mod switchless;

pub(crate) use switchless::SwitchlessState;

use crate::backend::Backend;
use platform::{Identity, SimPlatform};
use secgear_abi::{CallKind, Error, ErrorCode, OcallDispatch, Reader, Writer};
use secgear_sim::channel::{Channel, state};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a waiting host thread re-checks whether the enclave died.
const LIVENESS_POLL: Duration = Duration::from_millis(100);

/// Runs a user OCALL handler; a panic in it becomes an error reply.
fn dispatch_guarded(ocalls: &dyn OcallDispatch, request: &[u8]) -> Vec<u8> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ocalls.dispatch_ocall(request)
    }))
    .unwrap_or_else(|_| {
        tracing::error!(target: "secgear::sim", "an OCALL handler panicked");
        Writer::error_reply(&Error::new(
            ErrorCode::Unexpected,
            "the host's OCALL handler panicked",
        ))
    })
}

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
    /// Host threads serving switchless OCALLs.
    pub(crate) host_workers: Mutex<Vec<JoinHandle<()>>>,
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
                Some(_) => self.answer_ocall(slot, ocalls),
                None if self.is_dead() => return Err(self.dead_error()),
                None => {}
            }
        }
    }

    /// Serves the OCALL waiting on `slot`. Whatever happens here, the
    /// enclave gets an OCALL_DONE: a slot must never be left waiting.
    fn answer_ocall(&self, slot: &secgear_sim::channel::Slot<'_>, ocalls: &dyn OcallDispatch) {
        let reply = match slot.take_message() {
            Ok(ocall) => self.serve_ocall(&ocall, ocalls),
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        slot.post_or_error(state::OCALL_DONE, &reply);
    }

    fn serve_ocall(&self, request: &[u8], ocalls: &dyn OcallDispatch) -> Vec<u8> {
        match Reader::request(request) {
            Ok((header, _)) if header.kind == CallKind::Platform => {
                self.platform.handle(request, &self.identity)
            }
            _ => dispatch_guarded(ocalls, request),
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
        self.switchless_call(request, ocalls)
    }

    fn switchless_stats(&self) -> Option<crate::SwitchlessStats> {
        self.stats()
    }

    fn submit_async(&self, request: &[u8]) -> Option<Result<secgear_abi::AsyncId, Error>> {
        self.submit_async_call(request)
    }

    fn async_result(
        &self,
        id: secgear_abi::AsyncId,
        wait: Option<Duration>,
        ocalls: &dyn OcallDispatch,
    ) -> Result<Option<Vec<u8>>, Error> {
        self.collect_async(id, wait, ocalls)
    }

    fn arena_len(&self) -> u64 {
        self.arena_size()
    }

    fn arena_write(&self, offset: u64, src: &[u8]) -> Result<(), Error> {
        self.arena_copy_in(offset, src)
    }

    fn arena_read(&self, offset: u64, dst: &mut [u8]) -> Result<(), Error> {
        self.arena_copy_out(offset, dst)
    }

    fn arena_pointer(&self, offset: u64) -> secgear_abi::UserPtr {
        secgear_abi::UserPtr(secgear_sim::channel::SHARED_POINTER_BASE + offset)
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
        let workers = std::mem::take(
            &mut *self
                .host_workers
                .lock()
                .map_err(|_| Error::new(ErrorCode::BadState, "poisoned"))?,
        );
        for worker in workers {
            let _ = worker.join();
        }
        Ok(())
    }
}

impl Drop for SimEnclave {
    fn drop(&mut self) {
        let _ = self.destroy();
    }
}
