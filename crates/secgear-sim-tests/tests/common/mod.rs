//! Shared set-up: one sim platform state directory per test binary, and
//! host functions that can call back into their enclave.
#![allow(dead_code)]

use secgear_host::{Enclave, TeeType};
use secgear_sim_tests::edl;
use std::path::Path;
use std::sync::{Arc, OnceLock, Weak};

/// A private directory (0700, as the sim platform demands) made for it.
pub fn state_dir() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, std::path::PathBuf)> = OnceLock::new();
    let (_, dir) = DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("state dir");
        let dir = tmp.path().join("sim-state");
        (tmp, dir)
    });
    dir
}

/// The host side of the test EDL's OCALLs.
#[derive(Default, Clone)]
pub struct HostFns {
    pub enclave: Arc<OnceLock<Weak<Enclave>>>,
}

pub fn thread_tag() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut h);
    h.finish()
}

impl edl::Untrusted for HostFns {
    fn host_double(&self, x: i32) -> i32 {
        match x {
            666 => panic!("deliberate panic in an OCALL handler"),
            777 => std::thread::sleep(std::time::Duration::from_secs(2)),
            _ => {}
        }
        // Calls back into the enclave: a nested, private ECALL.
        let enclave = self
            .enclave
            .get()
            .and_then(Weak::upgrade)
            .expect("enclave wired");
        edl::Client::new(&*enclave)
            .triple(x.wrapping_mul(2))
            .expect("nested ECALL")
    }

    fn host_thread_id(&self) -> u64 {
        thread_tag()
    }

    fn host_empty(&self) {}

    fn host_thread_id_sw(&self) -> u64 {
        thread_tag()
    }

    fn host_empty_sw(&self) {}
}

/// The enclave's process on the simulation TEE.
pub fn process_id(enclave: &Enclave) -> u32 {
    enclave
        .details::<secgear_host::sim::SimDetails>()
        .expect("sim")
        .process_id
}

/// Kills the enclave's process from outside, as a crash would.
pub fn kill(enclave: &Enclave) {
    let pid = rustix::process::Pid::from_raw(process_id(enclave) as i32).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).expect("kill");
}

pub fn builder() -> secgear_host::EnclaveBuilder {
    Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state_dir()))
}

/// A running test enclave whose OCALLs can call back into it.
pub fn start(threads: u32) -> Arc<Enclave> {
    let fns = HostFns::default();
    let enclave = Arc::new(
        builder()
            .threads(threads)
            .ocalls(edl::Ocalls(fns.clone()))
            .create()
            .expect("create"),
    );
    let _ = fns.enclave.set(Arc::downgrade(&enclave));
    enclave
}
