//! The host confines a simulation enclave before its image's first
//! instruction: constructors that run before `main`, in an image that starts
//! the runtime and in one that never does, can reach nothing outside.

use secgear_host::{Enclave, ErrorCode, Protection, TeeType};
use secgear_sim_tests::{PROBE_ENTRY_IMAGE, PROBE_NO_ENTRY_IMAGE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every attempt the probe constructor makes (hostile/src/lib.rs).
const ATTEMPTS: &[&str] = &[
    "state_file",
    "state_key",
    "state_stat",
    "hostname",
    "host_environ",
    "host_mem",
    "tcp_connect",
    "fork",
    "execve",
    "execveat_absolute",
    "execveat_loader",
    "ptrace_host",
    "signal_host",
    "write_cwd",
    "write_relative",
];

/// `name=outcome` pairs from the probe's report.
fn parse(report: &str) -> BTreeMap<String, String> {
    report
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn assert_all_refused(report: &str) {
    let outcomes = parse(report);
    eprintln!("probe outcomes: {outcomes:?}");
    for attempt in ATTEMPTS {
        let outcome = outcomes
            .get(*attempt)
            .unwrap_or_else(|| panic!("the probe did not report {attempt}: {report:?}"));
        assert!(
            outcome.starts_with("errno:") && outcome != "errno:0",
            "{attempt} was not refused ({outcome}); report: {report}"
        );
    }
}

/// The directory the probe aims at, named by this process's pid: the
/// platform's state under `state/`, this process's working directory `cwd/`.
struct Target {
    dir: PathBuf,
    listener: std::net::TcpListener,
}

impl Target {
    fn new() -> Self {
        let dir = PathBuf::from(secgear_hostile_dir());
        std::fs::create_dir_all(dir.join("cwd")).expect("cwd");
        // Every test in this binary uses absolute paths, so moving the
        // process's working directory disturbs none.
        std::env::set_current_dir(dir.join("cwd")).expect("chdir");
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", secgear_hostile_port())).expect("listen");
        listener.set_nonblocking(true).expect("nonblocking");
        Self { dir, listener }
    }

    fn builder(&self, image: &str) -> secgear_host::EnclaveBuilder {
        Enclave::builder(image)
            .tee(TeeType::Sim)
            .debug(true)
            .options(secgear_host::SimOptions::default().state_dir(self.dir.join("state")))
    }

    /// Nothing reached the outside: no file written, no connection made,
    /// and the secrets are where they were.
    fn assert_untouched(&self) {
        let written = [
            self.dir.join("cwd").join(WRITTEN),
            Path::new("/").join(WRITTEN),
        ];
        for file in written {
            assert!(!file.exists(), "the enclave wrote {}", file.display());
        }
        assert!(
            self.listener.accept().is_err(),
            "the enclave connected to 127.0.0.1"
        );
        assert!(self.dir.join("state/sealing-root.bin").exists());
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const WRITTEN: &str = "written-by-enclave";

fn secgear_hostile_dir() -> String {
    format!("/tmp/secgear-probe-{}", std::process::id())
}

fn secgear_hostile_port() -> u16 {
    20_000 + (std::process::id() % 20_000) as u16
}

#[test]
fn every_attempt_before_main_fails_with_and_without_the_runtime() {
    let target = Target::new();

    // An image that starts the runtime: its first ECALL reports what its
    // constructor could do.
    let enclave = target
        .builder(PROBE_ENTRY_IMAGE)
        .create()
        .expect("create the probe");
    let mut buf = vec![0u8; 4096];
    let len = secgear_sim_tests::probe_edl::Client::new(&enclave)
        .probe_results(&mut buf)
        .expect("probe_results");
    let report = String::from_utf8_lossy(&buf[..len]).into_owned();
    assert_all_refused(&report);
    drop(enclave);
    target.assert_untouched();

    // An image that never calls `entry!`: it leaves its report as the death
    // note, which the host's error carries.
    let refused = target
        .builder(PROBE_NO_ENTRY_IMAGE)
        .create()
        .expect_err("an image without the runtime never serves");
    assert_eq!(refused.kind(), ErrorCode::EnclaveLost, "{refused}");
    let note = refused.to_string();
    assert!(note.contains("probe:"), "{note}");
    assert!(note.contains("exited with status 0"), "{note}");
    assert_all_refused(&note);
    target.assert_untouched();
}

/// `Name:\tvalue` from /proc/<pid>/status.
fn status_field(pid: u32, name: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {name} in status"))
}

#[test]
fn the_enclave_process_runs_confined_and_says_how() {
    let state = tempfile::tempdir().expect("tmp");
    let enclave = Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state.path().join("sim")))
        .create()
        .expect("create");
    let confinement = &enclave
        .details::<secgear_host::sim::SimDetails>()
        .expect("sim")
        .confinement;
    // This project's machines run Linux 6.18: Landlock ABI 7.
    assert!(confinement.landlock_abi >= 6, "{confinement:?}");
    for p in [
        Protection::NoNewPrivileges,
        Protection::NoCapabilities,
        Protection::ParentDeathSignal,
        Protection::SyscallFilter,
        Protection::Filesystem,
        Protection::Tcp,
        Protection::Signals,
        Protection::AbstractUnixSockets,
        Protection::RuntimeSandbox,
    ] {
        assert!(confinement.holds(p), "{p} missing from {confinement:?}");
    }
    // What the kernel says of the process.
    let pid = enclave
        .details::<secgear_host::sim::SimDetails>()
        .expect("sim")
        .process_id;
    assert_eq!(status_field(pid, "NoNewPrivs"), "1");
    assert_eq!(status_field(pid, "Seccomp"), "2");
    // The host's three (clone3, exec gate, allow-list) and the runtime's.
    assert_eq!(status_field(pid, "Seccomp_filters"), "4");
    for caps in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(status_field(pid, caps), "0000000000000000", "{caps}");
    }
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("limits");
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("open files");
    assert!(
        open_files.split_whitespace().nth(3) == Some("16"),
        "{open_files}"
    );
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).expect("cwd");
    assert_eq!(cwd, Path::new("/"));
    // The calls still work.
    assert_eq!(
        secgear_sim_tests::edl::Client::new(&enclave)
            .add(2, 3)
            .expect("add"),
        5
    );
}

#[test]
fn a_state_directory_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let state = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(state.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let refused = Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state.path()))
        .create()
        .expect_err("refused");
    assert_eq!(refused.kind(), ErrorCode::AccessDenied, "{refused}");
}
