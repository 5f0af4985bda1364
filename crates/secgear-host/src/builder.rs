//! `Enclave::builder(..)`: what to load, where, and how.

use crate::backend::Backend;
use crate::backends::{itrustee, penglai, sgx, sim};
use crate::enclave::{Enclave, EnclaveInfo};
use secgear_abi::{Error, ErrorCode, NoOcalls, OcallDispatch};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Which TEE runs the enclave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TeeType {
    /// The hardware TEE of this machine; fails when there is none.
    #[default]
    Auto,
    /// The simulation TEE: a sandboxed process, on any Linux machine. Not secure.
    Sim,
    Sgx,
    Itrustee,
    Penglai,
}

/// Builds an [`Enclave`].
pub struct EnclaveBuilder {
    image: PathBuf,
    tee: TeeType,
    debug: bool,
    threads: Option<u32>,
    call_timeout: Duration,
    max_message: usize,
    ocalls: Arc<dyn OcallDispatch>,
    expected_signer: Option<[u8; 32]>,
    expected_measurement: Option<[u8; 32]>,
    state_dir: Option<PathBuf>,
    switchless: Option<crate::SwitchlessConfig>,
    confinement: sim::confine::SimConfinement,
}

impl EnclaveBuilder {
    pub(crate) fn new(image: PathBuf) -> Self {
        Self {
            image,
            tee: TeeType::Auto,
            debug: false,
            threads: None,
            call_timeout: Duration::from_secs(5),
            max_message: 8 << 20,
            ocalls: Arc::new(NoOcalls),
            expected_signer: None,
            expected_measurement: None,
            state_dir: None,
            switchless: None,
            confinement: sim::confine::SimConfinement::Required,
        }
    }

    pub fn tee(mut self, tee: TeeType) -> Self {
        self.tee = tee;
        self
    }

    /// Runs the enclave in debug mode (only enclaves signed as debuggable).
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }

    /// Concurrent ECALL slots (TCS analogue); at most what the image was
    /// signed for, which is also the default.
    pub fn threads(mut self, threads: u32) -> Self {
        self.threads = Some(threads);
        self
    }

    /// How long a call waits for a free slot before failing with `OutOfTcs`.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Largest message (request or reply) one call may carry.
    pub fn max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// The host functions the enclave may call: the generated `Ocalls`
    /// adapter around an `Untrusted` implementation.
    pub fn ocalls(mut self, ocalls: impl OcallDispatch + 'static) -> Self {
        self.ocalls = Arc::new(ocalls);
        self
    }

    /// Enables switchless calls for functions marked `transition_using_threads`.
    /// The configuration is checked at `create()`.
    pub fn switchless(mut self, config: crate::SwitchlessConfig) -> Self {
        self.switchless = Some(config);
        self
    }

    /// Refuses images not signed by this signer id.
    pub fn expect_signer(mut self, signer_id: [u8; 32]) -> Self {
        self.expected_signer = Some(signer_id);
        self
    }

    /// Refuses images whose measurement differs (e.g. the constant
    /// `secgear-build` exports).
    pub fn expect_measurement(mut self, measurement: [u8; 32]) -> Self {
        self.expected_measurement = Some(measurement);
        self
    }

    /// Where the simulation platform keeps its secrets (default:
    /// [`SimPlatform::default_dir`](crate::SimPlatform::default_dir)).
    pub fn sim_state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Whether a simulation enclave may start where the kernel cannot
    /// confine its filesystem before its runtime starts (default: refused).
    pub fn sim_confinement(mut self, confinement: sim::confine::SimConfinement) -> Self {
        self.confinement = confinement;
        self
    }

    pub fn create(self) -> Result<Enclave, Error> {
        let tee = match self.tee {
            TeeType::Auto => detect()?,
            other => other,
        };
        let (backend, info) = match tee {
            TeeType::Sim => self.create_sim()?,
            TeeType::Sgx => sgx::loader::create(&self.image)?,
            TeeType::Itrustee => itrustee::loader::create(&self.image)?,
            TeeType::Penglai => penglai::loader::create(&self.image)?,
            TeeType::Auto => return Err(Error::new(ErrorCode::InvalidType, "no TEE selected")),
        };
        Ok(Enclave::new(backend, self.ocalls, self.call_timeout, info))
    }

    fn create_sim(&self) -> Result<(Box<dyn Backend>, EnclaveInfo), Error> {
        if let Some(cfg) = &self.switchless {
            cfg.validate()?;
        }
        if self.max_message < secgear_sim::channel::MIN_CAPACITY {
            return Err(Error::bad_parameters(format!(
                "max_message({}) is below the {}-byte minimum",
                self.max_message,
                secgear_sim::channel::MIN_CAPACITY
            )));
        }
        let platform = match &self.state_dir {
            Some(dir) => sim::platform::SimPlatform::open(dir)?,
            None => sim::platform::SimPlatform::open_default()?,
        };
        let options = sim::loader::LoadOptions {
            debug: self.debug,
            threads: self.threads,
            max_message: self.max_message,
            expected_signer: self.expected_signer,
            expected_measurement: self.expected_measurement,
            platform: Arc::new(platform),
            start_timeout: Duration::from_secs(10),
            switchless: self.switchless.clone(),
            ocalls: self.ocalls.clone(),
            confinement: self.confinement,
        };
        let (backend, image, confinement) = sim::loader::create(&self.image, options)?;
        tracing::warn!(
            target: "secgear::sim",
            "enclave {} runs on the simulation TEE: isolated as a process, not by hardware; not secure",
            self.image.display()
        );
        let info = EnclaveInfo {
            tee: TeeType::Sim,
            measurement: image.measurement,
            signer_id: image.signer_id,
            product_id: image.config.product_id,
            security_version: image.config.security_version,
            debug: self.debug,
            threads: backend.slots(),
            process_id: Some(backend.process_id()),
            confinement: Some(confinement),
        };
        Ok((Box::new(backend), info))
    }
}

/// The hardware TEE present on this machine.
fn detect() -> Result<TeeType, Error> {
    let found = [
        (TeeType::Sgx, sgx::probe::present()),
        (TeeType::Itrustee, itrustee::probe::present()),
        (TeeType::Penglai, penglai::probe::present()),
    ];
    if let Some((tee, _)) = found.iter().find(|(_, d)| d.is_some()) {
        return Ok(*tee);
    }
    let checked: Vec<&str> = [
        sgx::probe::DEVICES,
        itrustee::probe::DEVICES,
        penglai::probe::DEVICES,
    ]
    .concat();
    Err(Error::new(
        ErrorCode::NoDevice,
        format!(
            "no TEE hardware found (checked {}); choose TeeType::Sim explicitly to run on the simulation TEE",
            checked.join(", ")
        ),
    ))
}
