//! Which backends this host has, and which one `TeeType::Auto` means.

use crate::backend::Backend;
use crate::probe::{Availability, Probe};
use crate::tee::TeeType;
use secgear_abi::{Error, ErrorCode};
use std::sync::Arc;

/// The backends an [`EnclaveBuilder`](crate::EnclaveBuilder) chooses from.
#[derive(Clone)]
pub struct Registry {
    backends: Vec<Arc<dyn Backend>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.backends.iter().map(|b| b.tee()))
            .finish()
    }
}

/// The cargo feature that builds each built-in backend.
fn feature_of(tee: TeeType) -> Option<&'static str> {
    match tee {
        TeeType::Sim => Some("sim"),
        TeeType::Sgx => Some("sgx"),
        TeeType::Itrustee => Some("itrustee"),
        TeeType::Penglai => Some("penglai"),
        TeeType::Auto | TeeType::External => None,
    }
}

impl Registry {
    /// No backends: add them with [`register`](Registry::register).
    pub fn empty() -> Self {
        Self {
            backends: Vec::new(),
        }
    }

    /// The backends this build of secgear-host includes (cargo features
    /// `sim`, `sgx`, `itrustee`, `penglai`).
    pub fn builtin() -> Self {
        #[allow(unused_mut)]
        let mut registry = Self::empty();
        #[cfg(feature = "sgx")]
        {
            registry = registry.register(Arc::new(crate::backends::sgx::SgxBackend));
        }
        #[cfg(feature = "itrustee")]
        {
            registry = registry.register(Arc::new(crate::backends::itrustee::ItrusteeBackend));
        }
        #[cfg(feature = "penglai")]
        {
            registry = registry.register(Arc::new(crate::backends::penglai::PenglaiBackend));
        }
        #[cfg(feature = "sim")]
        {
            registry = registry.register(Arc::new(crate::backends::sim::SimBackend));
        }
        registry
    }

    /// Adds `backend`, replacing one registered for the same TEE.
    pub fn register(mut self, backend: Arc<dyn Backend>) -> Self {
        let tee = backend.tee();
        self.backends.retain(|b| b.tee() != tee);
        self.backends.push(backend);
        self
    }

    /// The backend for `tee`; `NotSupported` when this build lacks it.
    pub fn get(&self, tee: TeeType) -> Result<Arc<dyn Backend>, Error> {
        if tee == TeeType::Auto {
            return self.auto();
        }
        self.backends
            .iter()
            .find(|b| b.tee() == tee)
            .cloned()
            .ok_or_else(|| {
                let why = match feature_of(tee) {
                    Some(feature) => format!(
                        "this secgear-host was built without the {tee} backend (cargo feature `{feature}`)"
                    ),
                    None => format!("no {tee} backend is registered"),
                };
                Error::new(ErrorCode::NotSupported, why)
            })
    }

    /// What each backend finds here, and the built-in ones this build lacks.
    pub fn probe_all(&self) -> Vec<(TeeType, Probe)> {
        let mut found: Vec<(TeeType, Probe)> =
            self.backends.iter().map(|b| (b.tee(), b.probe())).collect();
        for tee in TeeType::CONCRETE {
            if let (Some(feature), false) = (feature_of(tee), found.iter().any(|(t, _)| *t == tee))
            {
                found.push((
                    tee,
                    Probe {
                        availability: Availability::NotBuilt { feature },
                        devices: Vec::new(),
                    },
                ));
            }
        }
        found
    }

    /// The first hardware backend whose probe says it is ready. The
    /// simulation TEE is never chosen for the caller: it is not secure.
    pub fn auto(&self) -> Result<Arc<dyn Backend>, Error> {
        let mut findings = Vec::new();
        for backend in self.backends.iter().filter(|b| b.tee().is_hardware()) {
            let probe = backend.probe();
            if probe.availability == Availability::Ready {
                return Ok(backend.clone());
            }
            findings.push(format!("{}: {}", backend.tee(), probe.describe()));
        }
        let findings = if findings.is_empty() {
            "no hardware backend is built in".to_owned()
        } else {
            findings.join("; ")
        };
        Err(Error::new(
            ErrorCode::NoDevice,
            format!(
                "no usable TEE hardware ({findings}); choose TeeType::Sim explicitly to run on the simulation TEE"
            ),
        ))
    }
}
