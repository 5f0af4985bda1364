//! The seam every TEE backend implements, inside or outside this crate.
//!
//! A [`Backend`] is a TEE this host may use: it says what its probe found
//! and loads enclaves. Each loaded enclave is an [`Instance`]: it carries
//! calls in and out. [`Enclave`](crate::Enclave) adds what every backend
//! shares — call slots, nested calls, shared buffers, the typed clients —
//! on top of any instance.

use crate::probe::Probe;
use crate::switchless::{SwitchlessConfig, SwitchlessStats};
use crate::tee::TeeType;
use secgear_abi::{AsyncId, Error, ErrorCode, OcallDispatch, UserPtr};
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A TEE this host can run enclaves on.
pub trait Backend: Send + Sync {
    /// The TEE it serves.
    fn tee(&self) -> TeeType;

    /// What it finds on this machine; `Availability::Ready` means
    /// [`load`](Backend::load) can succeed.
    fn probe(&self) -> Probe;

    /// Loads the image in `options` and starts it: verifies it, checks it
    /// against the expected identity, and sets up the call paths.
    fn load(&self, options: &LoadOptions) -> Result<Loaded, Error>;
}

/// Everything the builder knows about the enclave to load.
#[derive(Clone)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The signed image.
    pub image: PathBuf,
    pub debug: bool,
    /// Concurrent ECALL slots; `None`: what the image was signed for.
    pub threads: Option<u32>,
    /// Serves the enclave's OCALLs (also from switchless host workers).
    pub ocalls: Arc<dyn OcallDispatch>,
    pub expected_signer: Option<[u8; 32]>,
    pub expected_measurement: Option<[u8; 32]>,
    pub switchless: Option<SwitchlessConfig>,
    /// How long a call waits for a free slot (the [`Enclave`](crate::Enclave) enforces it).
    pub call_timeout: Duration,
    /// Options only some backend understands, by type.
    pub backend_options: BackendOptions,
}

impl LoadOptions {
    /// Options for `image` with every default the builder uses.
    pub fn new(image: impl Into<PathBuf>) -> Self {
        Self {
            image: image.into(),
            debug: false,
            threads: None,
            ocalls: Arc::new(secgear_abi::NoOcalls),
            expected_signer: None,
            expected_measurement: None,
            switchless: None,
            call_timeout: Duration::from_secs(5),
            backend_options: BackendOptions::default(),
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("image", &self.image)
            .field("debug", &self.debug)
            .field("threads", &self.threads)
            .field("switchless", &self.switchless)
            .finish_non_exhaustive()
    }
}

/// Backend-specific options, one value per type: the sim backend looks for
/// `SimOptions`, a hardware backend for its own.
#[derive(Clone, Default)]
pub struct BackendOptions(Vec<Arc<dyn Any + Send + Sync>>);

impl BackendOptions {
    /// Adds `options`, replacing an earlier value of the same type.
    pub fn insert<T: Any + Send + Sync>(&mut self, options: T) {
        self.0.retain(|o| !o.is::<T>());
        self.0.push(Arc::new(options));
    }

    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.iter().find_map(|o| o.downcast_ref::<T>())
    }
}

/// Who a loaded image is, from its verified signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageIdentity {
    pub measurement: [u8; 32],
    pub signer_id: [u8; 32],
    pub product_id: u16,
    pub security_version: u16,
}

/// What [`Backend::load`] returns.
pub struct Loaded {
    pub instance: Box<dyn Instance>,
    pub identity: ImageIdentity,
}

/// One enclave on some TEE.
pub trait Instance: Send + Sync {
    /// Number of call slots (TCS analogue); slots are numbered from 0.
    fn slots(&self) -> usize;

    /// Carries `request` into the enclave on `slot` and serves the OCALLs it
    /// makes (through `ocalls`) until its reply arrives. At most one call
    /// runs on a slot at a time, except calls nested in that slot's OCALLs.
    fn call(
        &self,
        slot: usize,
        request: &[u8],
        ocalls: &dyn OcallDispatch,
    ) -> Result<Vec<u8>, Error>;

    /// Whether `slot` was taken out of service (its enclave side broke the
    /// call protocol); such a slot is never handed to a caller again.
    fn slot_retired(&self, _slot: usize) -> bool {
        false
    }

    /// Whether the enclave has died (every call now fails with `EnclaveDead`).
    fn is_dead(&self) -> bool;

    /// The `EnclaveDead` error, with what is known of the death.
    fn dead_error(&self) -> Error;

    /// Runs a call through the switchless pool; `None` when it cannot be
    /// submitted there (no pool, pool full, too large, or no worker took it
    /// in time), and the caller makes a normal call.
    fn try_switchless(
        &self,
        _request: &[u8],
        _ocalls: &dyn OcallDispatch,
    ) -> Option<Result<Vec<u8>, Error>> {
        None
    }

    fn switchless_stats(&self) -> Option<SwitchlessStats> {
        None
    }

    /// Puts an asynchronous call in the pool; `None` when it must run as a
    /// normal call instead (no pool, too large, or a full pool with
    /// `rollback_to_common`).
    fn submit_async(&self, _request: &[u8]) -> Option<Result<AsyncId, Error>> {
        None
    }

    /// See [`secgear_abi::Transport::async_result`].
    fn async_result(
        &self,
        id: AsyncId,
        _wait: Option<Duration>,
        _ocalls: &dyn OcallDispatch,
    ) -> Result<Option<Vec<u8>>, Error> {
        Err(secgear_abi::async_call::unknown_call(id))
    }

    /// Bytes of the shared-buffer arena (0: none).
    fn arena_len(&self) -> u64 {
        0
    }

    fn arena_write(&self, _offset: u64, _src: &[u8]) -> Result<(), Error> {
        Err(no_arena())
    }

    fn arena_read(&self, _offset: u64, _dst: &mut [u8]) -> Result<(), Error> {
        Err(no_arena())
    }

    /// The address under which the enclave finds arena offset `offset`.
    fn arena_pointer(&self, _offset: u64) -> UserPtr {
        UserPtr::NULL
    }

    /// Where the arena is mapped in the host process, for callers that
    /// read and write it in place (the C API's `cc_malloc_shared_memory`).
    fn arena_host_address(&self) -> Option<std::ptr::NonNull<u8>> {
        None
    }

    /// What only this backend knows about the enclave (the sim backend:
    /// `SimDetails`), for [`Enclave::details`](crate::Enclave::details).
    fn details(&self) -> Option<&(dyn Any + Send + Sync)> {
        None
    }

    /// Stops the enclave and releases its resources; idempotent.
    fn destroy(&self) -> Result<(), Error>;
}

/// The error of the shared-buffer calls on an instance without an arena.
pub fn no_arena() -> Error {
    Error::new(
        ErrorCode::SwitchlessDisabled,
        "shared buffers need switchless calls with shared_memory above 0",
    )
}
