//! A second TEE backend, written here against secgear-host's public seam:
//! an in-process "enclave" that runs the generated dispatcher on the
//! caller's thread. The generated host client calls through it exactly as it
//! calls a simulated enclave, which is what a backend outside secgear-host
//! (a hardware one, or a test double) needs.

use secgear_abi::{EcallContext, Error, ErrorCode, OcallDispatch};
use secgear_edl_loopback::hello;
use secgear_host::backend::{Backend, ImageIdentity, Instance, LoadOptions, Loaded};
use secgear_host::probe::{Availability, DeviceProbe, Probe};
use secgear_host::{Enclave, Registry, TeeType};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Greeter;

impl hello::enclave::Trusted for Greeter {
    fn get_string(&self, buf: &mut [u8; 32]) -> i32 {
        let text = b"hello from in-process";
        buf[..text.len()].copy_from_slice(text);
        0
    }
}

/// Options only this backend understands, passed by type.
#[derive(Debug, Clone, PartialEq)]
struct InProcessOptions {
    greeting_slots: usize,
}

/// What the backend saw at load, for the assertions.
#[derive(Default)]
struct Seen {
    debug: Option<bool>,
    threads: Option<Option<u32>>,
    measurement: Option<Option<[u8; 32]>>,
    slots: Option<usize>,
}

struct InProcess {
    tee: TeeType,
    probe: Probe,
    seen: Arc<Mutex<Seen>>,
}

impl Backend for InProcess {
    fn tee(&self) -> TeeType {
        self.tee
    }

    fn probe(&self) -> Probe {
        self.probe.clone()
    }

    fn load(&self, options: &LoadOptions) -> Result<Loaded, Error> {
        let slots = options
            .backend_options
            .get::<InProcessOptions>()
            .map_or(1, |o| o.greeting_slots);
        let mut seen = self.seen.lock().expect("seen");
        seen.debug = Some(options.debug);
        seen.threads = Some(options.threads);
        seen.measurement = Some(options.expected_measurement);
        seen.slots = Some(slots);
        Ok(Loaded {
            instance: Box::new(Running {
                slots,
                calls: AtomicUsize::new(0),
                dead: std::sync::atomic::AtomicBool::new(false),
            }),
            identity: ImageIdentity {
                measurement: [7; 32],
                signer_id: [9; 32],
                product_id: 1,
                security_version: 2,
            },
        })
    }
}

struct Running {
    slots: usize,
    calls: AtomicUsize,
    dead: std::sync::atomic::AtomicBool,
}

impl Instance for Running {
    fn slots(&self) -> usize {
        self.slots
    }

    fn call(
        &self,
        slot: usize,
        request: &[u8],
        _ocalls: &dyn OcallDispatch,
    ) -> Result<Vec<u8>, Error> {
        assert!(slot < self.slots, "the Enclave hands out only our slots");
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(hello::enclave::dispatch_ecall(
            &Greeter,
            &EcallContext::TOP_LEVEL,
            request,
        ))
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    fn dead_error(&self) -> Error {
        Error::new(ErrorCode::EnclaveDead, "destroyed")
    }

    fn details(&self) -> Option<&(dyn std::any::Any + Send + Sync)> {
        Some(&self.calls)
    }

    fn destroy(&self) -> Result<(), Error> {
        self.dead.store(true, Ordering::Release);
        Ok(())
    }
}

fn ready() -> Probe {
    Probe {
        availability: Availability::Ready,
        devices: vec![DeviceProbe::examine("/dev/null")],
    }
}

#[test]
fn the_generated_client_calls_through_a_backend_from_outside_secgear_host() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let backend = Arc::new(InProcess {
        tee: TeeType::External,
        probe: ready(),
        seen: seen.clone(),
    });
    let enclave = Enclave::builder("in-process.image")
        .backend(backend)
        .debug(true)
        .threads(3)
        .expect_measurement([7; 32])
        .options(InProcessOptions { greeting_slots: 3 })
        .create()
        .expect("create");
    let mut buf = [0u8; 32];
    let status = hello::host::Client::new(&enclave)
        .get_string(&mut buf)
        .expect("ecall");
    assert_eq!(status, 0);
    assert!(buf.starts_with(b"hello from in-process"));

    let info = enclave.info();
    assert_eq!(info.tee, TeeType::External);
    assert_eq!((info.measurement, info.signer_id), ([7; 32], [9; 32]));
    assert_eq!(info.threads, 3, "slots come from the instance");
    let calls = enclave.details::<AtomicUsize>().expect("our details");
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let seen = seen.lock().expect("seen");
    assert_eq!(seen.debug, Some(true));
    assert_eq!(seen.threads, Some(Some(3)));
    assert_eq!(seen.measurement, Some(Some([7; 32])));
    assert_eq!(
        seen.slots,
        Some(3),
        "backend options reach the backend by type"
    );
    drop(seen);

    enclave.destroy().expect("destroy");
}

#[test]
fn auto_takes_the_first_ready_hardware_backend_and_never_the_simulator() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let fake = |tee, probe| {
        Arc::new(InProcess {
            tee,
            probe,
            seen: seen.clone(),
        })
    };
    let missing = Probe::from_devices(vec![DeviceProbe::examine("/dev/no-such-tee")], true);
    let registry = Registry::empty()
        .register(fake(TeeType::Sim, ready()))
        .register(fake(TeeType::Itrustee, missing))
        .register(fake(TeeType::Penglai, ready()));
    let enclave = Enclave::builder("x")
        .registry(registry.clone())
        .create()
        .expect("auto");
    assert_eq!(enclave.info().tee, TeeType::Penglai);

    // Without a ready hardware backend Auto fails and says what each found,
    // however this machine is equipped.
    let unusable = Probe::from_devices(vec![DeviceProbe::examine("/dev/null")], false);
    let registry = registry
        .register(fake(TeeType::Penglai, unusable))
        .register(fake(TeeType::Sgx, Probe::from_devices(Vec::new(), true)));
    let err = Enclave::builder("x")
        .registry(registry)
        .create()
        .expect_err("no ready hardware");
    assert_eq!(err.kind(), ErrorCode::NoDevice);
    let detail = err.detail();
    assert!(detail.contains("TeeType::Sim"), "{detail}");
    assert!(
        detail.contains("itrustee: no device (/dev/no-such-tee missing)"),
        "{detail}"
    );
    assert!(
        detail.contains("penglai: device present and usable, but this release has no loader"),
        "{detail}"
    );
}

#[test]
fn a_tee_this_build_lacks_is_named_with_its_feature() {
    let err = Enclave::builder("x")
        .registry(Registry::empty())
        .tee(TeeType::Sgx)
        .create()
        .expect_err("no sgx backend");
    assert_eq!(err.kind(), ErrorCode::NotSupported);
    assert!(err.detail().contains("cargo feature `sgx`"), "{err}");
    let probes = Registry::empty().probe_all();
    assert!(probes.iter().any(|(tee, p)| *tee == TeeType::Sim
        && p.availability == Availability::NotBuilt { feature: "sim" }));
}

#[test]
fn the_builtin_hardware_backends_refuse_to_load_and_say_why() {
    for tee in [TeeType::Sgx, TeeType::Itrustee, TeeType::Penglai] {
        let err = Enclave::builder("/nonexistent/enclave.signed")
            .tee(tee)
            .debug(true)
            .threads(2)
            .create()
            .expect_err("no loader in this release");
        let probe = Registry::builtin().get(tee).expect("built in").probe();
        let expected = match probe.availability {
            Availability::DeviceMissing => ErrorCode::NoDevice,
            Availability::NoAccess => ErrorCode::AccessDenied,
            _ => ErrorCode::NotSupported,
        };
        assert_eq!(err.kind(), expected, "{tee}: {err}");
        let detail = err.detail();
        assert!(
            detail.contains("/nonexistent/enclave.signed")
                && detail.contains("debug enclave, 2 threads"),
            "{tee}: the load options reach the backend: {detail}"
        );
        assert!(!detail.contains("detected"), "{detail}");
        assert!(detail.contains(&probe.describe()), "{detail}");
    }
}
