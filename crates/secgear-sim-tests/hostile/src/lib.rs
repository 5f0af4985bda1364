//! What the hostile test images share: the attempts a constructor makes
//! before `main` (the host must have confined the process by then), and
//! where the tests put the files those attempts aim at.

use std::sync::OnceLock;

/// The directory a test host prepares for the probes: `state/` (its sim
/// platform's secrets) and `cwd/` (its working directory). Named by the
/// host's pid, which the probe learns with `getppid`.
pub fn probe_dir(host_pid: u32) -> String {
    format!("/tmp/secgear-probe-{host_pid}")
}

/// The file the probes try to create in the host's working directory.
pub const WRITTEN_FILE: &str = "written-by-enclave";
/// The TCP port on 127.0.0.1 the probes try to connect to (the test host
/// listens there): derived from the host's pid so parallel runs differ.
pub fn probe_port(host_pid: u32) -> u16 {
    20_000 + (host_pid % 20_000) as u16
}

static RESULTS: OnceLock<String> = OnceLock::new();

/// Runs every attempt once (from a constructor) and keeps the report.
pub fn run_once() {
    RESULTS.get_or_init(run);
}

/// `name=ok` for an attempt that worked (a hole), `name=errno:N` for one
/// refused, one per line; empty if the probes never ran.
pub fn results() -> &'static str {
    RESULTS.get().map_or("", String::as_str)
}

fn errno_of(e: &std::io::Error) -> String {
    format!("errno:{}", e.raw_os_error().unwrap_or(-1))
}

fn outcome(result: std::io::Result<()>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(e) => errno_of(&e),
    }
}

fn read_file(path: &str) -> std::io::Result<()> {
    use std::io::Read;
    let mut byte = [0u8; 1];
    std::fs::File::open(path)?.read(&mut byte).map(|_| ())
}

fn run() -> String {
    let host = std::os::unix::process::parent_id();
    let dir = probe_dir(host);
    let attempts: Vec<(&str, std::io::Result<()>)> = vec![
        (
            "state_file",
            read_file(&format!("{dir}/state/sealing-root.bin")),
        ),
        (
            "state_key",
            read_file(&format!("{dir}/state/platform-key.pem")),
        ),
        (
            "state_stat",
            std::fs::metadata(format!("{dir}/state/sealing-root.bin")).map(drop),
        ),
        ("hostname", read_file("/etc/hostname")),
        ("host_environ", read_file(&format!("/proc/{host}/environ"))),
        ("host_mem", read_file(&format!("/proc/{host}/mem"))),
        (
            "tcp_connect",
            std::net::TcpStream::connect(("127.0.0.1", probe_port(host))).map(drop),
        ),
        ("fork", raw::fork()),
        ("execve", raw::execve()),
        // The descriptor the host's one exec used, with paths the kernel
        // takes instead of it.
        ("execveat_absolute", raw::execveat(c"/bin/true")),
        (
            "execveat_loader",
            raw::execveat(c"/lib64/ld-linux-x86-64.so.2"),
        ),
        ("ptrace_host", raw::ptrace(host)),
        ("signal_host", raw::signal(host)),
        (
            "write_cwd",
            std::fs::write(format!("{dir}/cwd/{WRITTEN_FILE}"), b"escaped"),
        ),
        ("write_relative", std::fs::write(WRITTEN_FILE, b"escaped")),
    ];
    attempts
        .into_iter()
        .map(|(name, result)| format!("{name}={}\n", outcome(result)))
        .collect()
}

/// The attempts std has no API for.
mod raw {
    use std::io::{Error, Result};

    fn check(rc: libc::c_long) -> Result<()> {
        if rc < 0 {
            Err(Error::last_os_error())
        } else {
            Ok(())
        }
    }

    pub fn fork() -> Result<()> {
        // SAFETY: a forked child here only calls _exit.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: ends the child at once.
            unsafe { libc::_exit(0) };
        }
        check(pid.into())
    }

    pub fn execve() -> Result<()> {
        let argv = [c"true".as_ptr(), std::ptr::null()];
        let envp = [std::ptr::null()];
        // SAFETY: null-terminated argument and environment arrays of
        // static C strings; on success the image is replaced (and the test
        // notices that the probe never reported).
        check(unsafe { libc::execve(c"/bin/true".as_ptr(), argv.as_ptr(), envp.as_ptr()) }.into())
    }

    pub fn execveat(path: &std::ffi::CStr) -> Result<()> {
        let argv = [c"true".as_ptr(), std::ptr::null()];
        let envp: [*const libc::c_char; 1] = [std::ptr::null()];
        // SAFETY: as for execve; 64 is the descriptor the host executed
        // the image from (closed since).
        check(unsafe {
            libc::syscall(
                libc::SYS_execveat,
                64,
                path.as_ptr(),
                argv.as_ptr(),
                envp.as_ptr(),
                libc::AT_EMPTY_PATH,
            )
        })
    }

    pub fn ptrace(host: u32) -> Result<()> {
        // SAFETY: PTRACE_SEIZE takes a pid and no memory; a seized host is
        // released at once.
        unsafe {
            let rc = libc::ptrace(libc::PTRACE_SEIZE, host as libc::pid_t, 0, 0);
            if rc == 0 {
                libc::ptrace(libc::PTRACE_DETACH, host as libc::pid_t, 0, 0);
            }
            check(rc)
        }
    }

    pub fn signal(host: u32) -> Result<()> {
        // SAFETY: signal 0 delivers nothing; it asks whether one could be.
        check(unsafe { libc::kill(host as libc::pid_t, 0) }.into())
    }
}
