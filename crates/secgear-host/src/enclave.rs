//! A created enclave: the handle host code calls through.

use crate::arena::FreeList;
use crate::backend::Instance;
use crate::tee::TeeType;
use secgear_abi::{Error, ErrorCode, OcallDispatch, Transport};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Who the loaded enclave is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnclaveInfo {
    pub tee: TeeType,
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
    pub product_id: u16,
    pub security_version: u16,
    pub debug: bool,
    pub threads: usize,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Slots this thread holds, per enclave: a call made while serving one
    /// of that enclave's OCALLs is a nested ECALL and reuses the slot.
    static HELD: RefCell<Vec<(u64, usize)>> = const { RefCell::new(Vec::new()) };
}

/// A running enclave. Generated clients take `&Enclave` as their transport.
/// Dropping it destroys the enclave.
pub struct Enclave {
    id: u64,
    backend: Box<dyn Instance>,
    ocalls: Arc<dyn OcallDispatch>,
    free: Mutex<Vec<usize>>,
    freed: Condvar,
    call_timeout: Duration,
    info: EnclaveInfo,
    shared: Mutex<FreeList>,
}

impl std::fmt::Debug for Enclave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enclave")
            .field("id", &self.id)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Enclave {
    pub(crate) fn new(
        backend: Box<dyn Instance>,
        ocalls: Arc<dyn OcallDispatch>,
        call_timeout: Duration,
        info: EnclaveInfo,
    ) -> Self {
        let free = (0..backend.slots()).rev().collect();
        let shared = Mutex::new(FreeList::new(backend.arena_len()));
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            backend,
            ocalls,
            free: Mutex::new(free),
            freed: Condvar::new(),
            call_timeout,
            info,
            shared,
        }
    }

    pub(crate) fn instance(&self) -> &dyn Instance {
        self.backend.as_ref()
    }

    pub(crate) fn shared_arena(&self) -> &Mutex<FreeList> {
        &self.shared
    }

    /// What only the enclave's backend knows about it, if it is of type `T`
    /// (on the simulation TEE: [`SimDetails`](crate::sim::SimDetails)).
    pub fn details<T: 'static>(&self) -> Option<&T> {
        self.backend.details()?.downcast_ref::<T>()
    }

    /// Asks the enclave for evidence over `report_data` (a built-in call
    /// every enclave answers): what attestation agents send to a verifier.
    pub fn report(&self, report_data: &[u8; 64]) -> Result<Vec<u8>, Error> {
        self.builtin(
            secgear_abi::wire::builtin::REPORT,
            |w| w.put(report_data),
            |r| r.get_vec(),
        )
    }

    /// Asks the enclave for evidence that binds its own key (made and kept
    /// inside the enclave) to `nonce`: returns the runtime data carrying the
    /// public key and the evidence over `SHA-256(nonce || runtime_data)`.
    pub fn key_report(&self, nonce: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        self.builtin(
            secgear_abi::wire::builtin::KEY_REPORT,
            |w| w.put_slice(nonce),
            |r| Ok((r.get_vec()?, r.get_vec()?)),
        )
    }

    /// Passes one secure-channel handshake frame from a client to the
    /// enclave (a built-in call); returns the frames to send back. The host
    /// sees only opaque bytes: see `secgear-channel`.
    pub fn channel_handshake(&self, frame: &[u8]) -> Result<Vec<u8>, Error> {
        self.builtin(
            secgear_abi::wire::builtin::CHANNEL_HANDSHAKE,
            |w| w.put_slice(frame),
            |r| r.get_vec(),
        )
    }

    /// Passes a client's CLOSE record to the enclave (a built-in call), for
    /// hosts that relay closes the way the original relayed DESTROY.
    pub fn channel_close(&self, frame: &[u8]) -> Result<(), Error> {
        self.builtin(
            secgear_abi::wire::builtin::CHANNEL_CLOSE,
            |w| w.put_slice(frame),
            |_| Ok(()),
        )
    }

    /// One call the enclave runtime itself answers: `put` writes the
    /// arguments, `get` reads the whole reply.
    fn builtin<R>(
        &self,
        id: u32,
        put: impl FnOnce(&mut secgear_abi::Writer),
        get: impl FnOnce(&mut secgear_abi::Reader<'_>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut w = secgear_abi::Writer::request(secgear_abi::CallKind::Builtin, id);
        put(&mut w);
        let reply = self.call(w.finish())?;
        let mut r = secgear_abi::Reader::reply(&reply)?;
        let value = get(&mut r)?;
        r.finish()?;
        Ok(value)
    }

    pub(crate) fn release_shared(&self, offset: u64, reserved: u64) {
        if let Ok(mut list) = self.shared.lock() {
            list.release(offset, reserved);
        }
    }

    /// The original's `cc_sl_get_async_result`, for code ported from it: the
    /// raw reply of the asynchronous call `id` once it has finished, else
    /// `SwitchlessAsyncTaskUnfinished`; `SwitchlessInvalidTaskId` for an id
    /// whose result was already collected (ids are never reused). Typed code
    /// uses [`AsyncCall::poll`](crate::AsyncCall::poll) instead.
    pub fn get_async_result(&self, id: secgear_abi::AsyncId) -> Result<Vec<u8>, Error> {
        self.backend
            .async_result(id, Some(Duration::ZERO), self.ocalls.as_ref())?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::SwitchlessAsyncTaskUnfinished,
                    format!(
                        "asynchronous call {}:{} is still running",
                        id.task, id.generation
                    ),
                )
            })
    }

    pub fn info(&self) -> &EnclaveInfo {
        &self.info
    }

    /// Whether the enclave has died; every call then fails with `EnclaveDead`.
    pub fn is_dead(&self) -> bool {
        self.backend.is_dead()
    }

    /// Destroys the enclave now (dropping it does the same).
    pub fn destroy(self) -> Result<(), Error> {
        self.backend.destroy()
    }

    fn held_slot(&self) -> Option<usize> {
        HELD.with(|h| {
            h.borrow()
                .iter()
                .rev()
                .find(|(id, _)| *id == self.id)
                .map(|(_, s)| *s)
        })
    }

    fn acquire(&self) -> Result<SlotLease<'_>, Error> {
        let deadline = Instant::now() + self.call_timeout;
        let poisoned = || Error::new(ErrorCode::BadState, "slot table poisoned");
        let mut free = self.free.lock().map_err(|_| poisoned())?;
        loop {
            // A dead enclave fails at once, not after the slot timeout.
            if self.backend.is_dead() {
                return Err(self.backend.dead_error());
            }
            if let Some(slot) = free.pop() {
                HELD.with(|h| h.borrow_mut().push((self.id, slot)));
                return Ok(SlotLease {
                    enclave: self,
                    slot,
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    ErrorCode::OutOfTcs,
                    format!(
                        "all {} call slots stayed busy for {:?}",
                        self.info.threads, self.call_timeout
                    ),
                ));
            }
            let wait = (deadline - now).min(DEATH_POLL);
            free = self
                .freed
                .wait_timeout(free, wait)
                .map_err(|_| poisoned())?
                .0;
        }
    }
}

/// How often a caller waiting for a slot re-checks that the enclave lives.
const DEATH_POLL: Duration = Duration::from_millis(50);

/// A slot held by this thread for one top-level call; released however the
/// call ends (error, panic in an OCALL handler, ...).
struct SlotLease<'e> {
    enclave: &'e Enclave,
    slot: usize,
}

impl Drop for SlotLease<'_> {
    fn drop(&mut self) {
        let entry = (self.enclave.id, self.slot);
        HELD.with(|h| {
            let mut held = h.borrow_mut();
            if let Some(pos) = held.iter().rposition(|e| *e == entry) {
                held.remove(pos);
            }
        });
        if !self.enclave.backend.slot_retired(self.slot)
            && let Ok(mut free) = self.enclave.free.lock()
        {
            free.push(self.slot);
        }
        self.enclave.freed.notify_one();
    }
}

impl Transport for Enclave {
    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        if let Some(slot) = self.held_slot() {
            return self.backend.call(slot, &request, self.ocalls.as_ref());
        }
        let lease = self.acquire()?;
        self.backend
            .call(lease.slot, &request, self.ocalls.as_ref())
    }

    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        // A call nested in one of this enclave's OCALLs keeps its slot (and
        // the OCALL's allow list): it takes the normal path.
        if self.held_slot().is_none()
            && let Some(result) = self.backend.try_switchless(&request, self.ocalls.as_ref())
        {
            return result;
        }
        self.call(request)
    }

    fn submit_async(&self, request: Vec<u8>) -> Result<secgear_abi::Submitted, Error> {
        if self.held_slot().is_none()
            && let Some(submitted) = self.backend.submit_async(&request)
        {
            return submitted.map(secgear_abi::Submitted::Pending);
        }
        self.call(request).map(secgear_abi::Submitted::Completed)
    }

    fn async_result(
        &self,
        id: secgear_abi::AsyncId,
        wait: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, Error> {
        self.backend.async_result(id, wait, self.ocalls.as_ref())
    }
}

impl Enclave {
    /// What the switchless path has done (`None` without switchless).
    pub fn switchless_stats(&self) -> Option<crate::switchless::SwitchlessStats> {
        self.backend.switchless_stats()
    }
}

impl Drop for Enclave {
    fn drop(&mut self) {
        let _ = self.backend.destroy();
    }
}
