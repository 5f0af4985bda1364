//! `Enclave::builder(..)`: what to load, where, and how.

use crate::backend::{Backend, LoadOptions};
use crate::enclave::{Enclave, EnclaveInfo};
use crate::registry::Registry;
use crate::switchless::SwitchlessConfig;
use crate::tee::TeeType;
use secgear_abi::{Error, OcallDispatch};
use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Builds an [`Enclave`].
pub struct EnclaveBuilder {
    options: LoadOptions,
    tee: TeeType,
    registry: Option<Registry>,
    backend: Option<Arc<dyn Backend>>,
}

impl Enclave {
    /// Starts building an enclave from a signed image.
    pub fn builder(image: impl Into<PathBuf>) -> EnclaveBuilder {
        EnclaveBuilder {
            options: LoadOptions::new(image),
            tee: TeeType::Auto,
            registry: None,
            backend: None,
        }
    }
}

impl EnclaveBuilder {
    pub fn tee(mut self, tee: TeeType) -> Self {
        self.tee = tee;
        self
    }

    /// Runs the enclave in debug mode (only enclaves signed as debuggable).
    pub fn debug(mut self, debug: bool) -> Self {
        self.options.debug = debug;
        self
    }

    /// Concurrent ECALL slots (TCS analogue); at most what the image was
    /// signed for, which is also the default.
    pub fn threads(mut self, threads: u32) -> Self {
        self.options.threads = Some(threads);
        self
    }

    /// How long a call waits for a free slot before failing with `OutOfTcs`.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.options.call_timeout = timeout;
        self
    }

    /// The host functions the enclave may call: the generated `Ocalls`
    /// adapter around an `Untrusted` implementation.
    pub fn ocalls(mut self, ocalls: impl OcallDispatch + 'static) -> Self {
        self.options.ocalls = Arc::new(ocalls);
        self
    }

    /// Enables switchless calls for functions marked `transition_using_threads`.
    /// The configuration is checked at `create()`.
    pub fn switchless(mut self, config: SwitchlessConfig) -> Self {
        self.options.switchless = Some(config);
        self
    }

    /// Refuses images not signed by this signer id.
    pub fn expect_signer(mut self, signer_id: [u8; 32]) -> Self {
        self.options.expected_signer = Some(signer_id);
        self
    }

    /// Refuses images whose measurement differs (e.g. the constant
    /// `secgear-build` exports).
    pub fn expect_measurement(mut self, measurement: [u8; 32]) -> Self {
        self.options.expected_measurement = Some(measurement);
        self
    }

    /// Options for one backend, by type (the simulation TEE's:
    /// [`SimOptions`](crate::sim::SimOptions)); other backends ignore them.
    pub fn options<T: Any + Send + Sync>(mut self, options: T) -> Self {
        self.options.backend_options.insert(options);
        self
    }

    /// Chooses the TEE from `registry` instead of [`Registry::builtin`].
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Loads on `backend`, whatever [`tee`](Self::tee) says: for backends
    /// that live outside secgear-host.
    pub fn backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = Some(backend);
        self
    }

    pub fn create(self) -> Result<Enclave, Error> {
        let backend = match self.backend {
            Some(backend) => backend,
            None => self
                .registry
                .unwrap_or_else(Registry::builtin)
                .get(self.tee)?,
        };
        if let Some(cfg) = &self.options.switchless {
            cfg.validate()?;
        }
        let loaded = backend.load(&self.options)?;
        let info = EnclaveInfo {
            tee: backend.tee(),
            measurement: loaded.identity.measurement,
            signer_id: loaded.identity.signer_id,
            product_id: loaded.identity.product_id,
            security_version: loaded.identity.security_version,
            debug: self.options.debug,
            threads: loaded.instance.slots(),
        };
        Ok(Enclave::new(
            loaded.instance,
            self.options.ocalls,
            self.options.call_timeout,
            info,
        ))
    }
}
