//! The simulation TEE: each enclave is a separate, sandboxed process that
//! the host reaches only through a shared-memory channel (`secgear-sim`).
//! It is as isolated as an ordinary process, not as a hardware enclave:
//! it is for development and tests, never for secrets.

pub mod confine;
pub mod loader;
pub mod platform;
mod spawn;
mod switchless;

pub(crate) use switchless::SwitchlessState;

use crate::backend::{Backend, ImageIdentity, Instance, LoadOptions, Loaded};
use crate::probe::{Availability, Probe};
use crate::tee::TeeType;
use confine::{Confinement, SimConfinement};
use platform::{Identity, SimPlatform};
use secgear_abi::{CallKind, Error, ErrorCode, OcallDispatch, Reader, Writer};
use secgear_sim::channel::{Channel, state};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The simulation TEE's backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimBackend;

/// What only the simulation TEE takes: pass to
/// [`EnclaveBuilder::options`](crate::EnclaveBuilder::options).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimOptions {
    /// Largest message (request or reply) one call may carry.
    pub max_message: usize,
    /// Where the simulated platform keeps its secrets (default:
    /// [`SimPlatform::default_dir`]).
    pub state_dir: Option<PathBuf>,
    /// Whether an enclave may start where the kernel cannot confine its
    /// filesystem before its runtime starts (default: refused).
    pub confinement: SimConfinement,
    /// How long the enclave process may take to start serving.
    pub start_timeout: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            max_message: 8 << 20,
            state_dir: None,
            confinement: SimConfinement::Required,
            start_timeout: Duration::from_secs(10),
        }
    }
}

impl SimOptions {
    pub fn max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    pub fn confinement(mut self, confinement: SimConfinement) -> Self {
        self.confinement = confinement;
        self
    }
}

/// What the simulation TEE knows of one enclave: see
/// [`Enclave::details`](crate::Enclave::details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDetails {
    /// The enclave's process.
    pub process_id: u32,
    /// What confines that process, and from when.
    pub confinement: Confinement,
}

impl Backend for SimBackend {
    fn tee(&self) -> TeeType {
        TeeType::Sim
    }

    /// The simulation needs no device: it runs wherever Linux does (how
    /// well it can confine the enclave is decided, and reported, at load).
    fn probe(&self) -> Probe {
        Probe {
            availability: Availability::Ready,
            devices: Vec::new(),
        }
    }

    fn load(&self, options: &LoadOptions) -> Result<Loaded, Error> {
        let defaults = SimOptions::default();
        let sim = options
            .backend_options
            .get::<SimOptions>()
            .unwrap_or(&defaults);
        if sim.max_message < secgear_sim::channel::MIN_CAPACITY {
            return Err(Error::bad_parameters(format!(
                "max_message({}) is below the {}-byte minimum",
                sim.max_message,
                secgear_sim::channel::MIN_CAPACITY
            )));
        }
        let platform = match &sim.state_dir {
            Some(dir) => SimPlatform::open(dir)?,
            None => SimPlatform::open_default()?,
        };
        let load = loader::LoadOptions {
            debug: options.debug,
            threads: options.threads,
            max_message: sim.max_message,
            expected_signer: options.expected_signer,
            expected_measurement: options.expected_measurement,
            platform: Arc::new(platform),
            start_timeout: sim.start_timeout,
            switchless: options.switchless.clone(),
            ocalls: options.ocalls.clone(),
            confinement: sim.confinement,
        };
        let (mut enclave, image, confinement) = loader::create(&options.image, load)?;
        tracing::warn!(
            target: "secgear::sim",
            "enclave {} runs on the simulation TEE: isolated as a process, not by hardware; not secure",
            options.image.display()
        );
        enclave.details = Some(SimDetails {
            process_id: enclave.process_id(),
            confinement,
        });
        Ok(Loaded {
            instance: Box::new(enclave),
            identity: ImageIdentity {
                measurement: image.measurement,
                signer_id: image.signer_id,
                product_id: image.config.product_id,
                security_version: image.config.security_version,
            },
        })
    }
}

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

/// What a call travels through: a call slot, or a task of the ECALL pool.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    Slot(usize),
    Task(usize),
}

/// Slots or tasks whose enclave side broke the protocol: never used again.
/// An index past the end counts as retired.
pub(crate) struct Retired(Box<[AtomicBool]>);

impl Retired {
    pub(crate) fn new(count: usize) -> Self {
        Self((0..count).map(|_| AtomicBool::new(false)).collect())
    }

    pub(crate) fn contains(&self, i: usize) -> bool {
        self.0.get(i).is_none_or(|r| r.load(Ordering::Acquire))
    }

    pub(crate) fn insert(&self, i: usize) {
        if let Some(flag) = self.0.get(i) {
            flag.store(true, Ordering::Release);
        }
    }

    fn all(&self) -> bool {
        self.0.iter().all(|r| r.load(Ordering::Acquire))
    }
}

pub(crate) struct SimEnclave {
    channel: Arc<Channel>,
    /// Slots whose enclave side broke the protocol.
    retired: Retired,
    platform: Arc<SimPlatform>,
    identity: Identity,
    dead: Arc<AtomicBool>,
    /// How the process ended, once its monitor reaped it.
    exit: Arc<std::sync::OnceLock<String>>,
    pid: rustix::process::Pid,
    /// Signals the child without racing pid reuse after it is reaped.
    pub(crate) pidfd: std::os::fd::OwnedFd,
    monitor: Mutex<Option<JoinHandle<()>>>,
    pub(crate) switchless: Option<SwitchlessState>,
    /// Host threads serving switchless OCALLs.
    pub(crate) host_workers: Mutex<Vec<JoinHandle<()>>>,
    details: Option<SimDetails>,
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
        carrier: Carrier,
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
            // A nested call on this slot may have found it broken.
            if self.is_retired(carrier) {
                return Err(retired_error(carrier));
            }
            match seen {
                Some(state::ECALL_DONE) => {
                    return slot
                        .take_message()
                        .map_err(|e| self.protocol_violation(carrier, &e));
                }
                Some(_) => self
                    .answer_ocall(slot, ocalls)
                    .map_err(|e| self.protocol_violation(carrier, &e))?,
                None if self.is_dead() => return Err(self.dead_error()),
                None => {}
            }
        }
    }

    /// Serves the OCALL waiting on `slot`. Whatever the handler does, the
    /// enclave gets an OCALL_DONE: a slot must never be left waiting. An
    /// OCALL that breaks the protocol gets none: the slot is then retired.
    fn answer_ocall(
        &self,
        slot: &secgear_sim::channel::Slot<'_>,
        ocalls: &dyn OcallDispatch,
    ) -> Result<(), secgear_sim::channel::ChannelError> {
        let ocall = slot.take_message()?;
        let reply = self.serve_ocall(&ocall, ocalls);
        slot.post_or_error(state::OCALL_DONE, &reply);
        Ok(())
    }

    fn is_retired(&self, carrier: Carrier) -> bool {
        match carrier {
            Carrier::Slot(i) => self.retired.contains(i),
            Carrier::Task(i) => self
                .switchless
                .as_ref()
                .is_none_or(|sl| sl.retired.contains(i)),
        }
    }

    /// The enclave broke the protocol on `carrier` (a reply of the wrong
    /// length, or for another call): that slot or task is never used again,
    /// so whatever the enclave still writes there reaches no later call.
    /// Without a slot left the enclave is useless and is ended.
    fn protocol_violation(
        &self,
        carrier: Carrier,
        e: &secgear_sim::channel::ChannelError,
    ) -> Error {
        if !e.is_protocol_violation() {
            return Error::malformed(e.to_string());
        }
        tracing::warn!(target: "secgear::sim", ?carrier, error = %e, "enclave broke the call protocol; retiring it");
        match carrier {
            Carrier::Slot(i) => {
                self.retired.insert(i);
                if self.retired.all() {
                    self.end("every call slot broke the call protocol");
                }
            }
            Carrier::Task(i) => {
                if let Some(sl) = &self.switchless {
                    sl.retired.insert(i);
                }
            }
        }
        Error::new(
            ErrorCode::BadFormat,
            format!("the enclave broke the call protocol: {e}"),
        )
    }

    /// Marks the enclave dead and kills its process.
    fn end(&self, why: &str) {
        if self.channel.death_note().is_none() {
            self.channel.write_death_note(why);
        }
        self.dead.store(true, Ordering::Release);
        let _ = rustix::process::pidfd_send_signal(&self.pidfd, rustix::process::Signal::KILL);
        self.channel.wake_everyone();
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

impl Instance for SimEnclave {
    fn slots(&self) -> usize {
        self.channel.slot_count()
    }

    fn call(
        &self,
        index: usize,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Result<Vec<u8>, Error> {
        if self.is_dead() {
            return Err(self.dead_error());
        }
        let slot = self
            .channel
            .slot(index)
            .ok_or_else(|| Error::new(ErrorCode::OutOfTcs, "no such slot"))?;
        if self.is_retired(Carrier::Slot(index)) {
            return Err(retired_error(Carrier::Slot(index)));
        }
        slot.begin(state::ECALL, request)
            .map_err(|e| Error::new(ErrorCode::ExcessData, e.to_string()))?;
        self.complete(Carrier::Slot(index), &slot, ocalls, Duration::ZERO)
    }

    fn slot_retired(&self, slot: usize) -> bool {
        self.is_retired(Carrier::Slot(slot))
    }

    fn try_switchless(
        &self,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Option<Result<Vec<u8>, Error>> {
        self.switchless_call(request, ocalls)
    }

    fn switchless_stats(&self) -> Option<crate::switchless::SwitchlessStats> {
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

    fn arena_host_address(&self) -> Option<std::ptr::NonNull<u8>> {
        std::ptr::NonNull::new(self.channel.arena()?.as_ptr())
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    fn details(&self) -> Option<&(dyn std::any::Any + Send + Sync)> {
        self.details
            .as_ref()
            .map(|d| d as &(dyn std::any::Any + Send + Sync))
    }

    fn dead_error(&self) -> Error {
        let exit = self.exit.get().map_or("exited", String::as_str);
        let note = match self.channel.death_note() {
            Some(note) => format!("{note} (the enclave process {exit})"),
            None => format!("the enclave process {exit}"),
        };
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

fn retired_error(carrier: Carrier) -> Error {
    Error::new(
        ErrorCode::BadFormat,
        format!("{carrier:?} was retired after the enclave broke the call protocol on it"),
    )
}

impl Drop for SimEnclave {
    fn drop(&mut self) {
        let _ = self.destroy();
    }
}
