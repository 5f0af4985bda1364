//! Starting the enclave process: `fork`, then, in the child and before the
//! image's first instruction, descriptors, limits, parent-death signal,
//! capabilities, `no_new_privs`, Landlock and seccomp, and finally
//! `execveat` of the verified image. Everything the child needs is prepared
//! by the parent; between `fork` and `execveat` the child makes only raw
//! system calls (no allocation, no locks: the parent has other threads).
//!
//! The only `unsafe` of the simulation backend's process set-up lives here.

use super::confine::{ENCLAVE_NOFILE, EXE_FD};
use rustix::fd::{AsRawFd, BorrowedFd, OwnedFd};
use rustix::process::Pid;
use secgear_sim::CHANNEL_FD;
use std::ffi::{CStr, CString};

/// Everything the child needs, prepared before `fork`.
pub(super) struct Prepared<'a> {
    pub exe: BorrowedFd<'a>,
    pub channel: BorrowedFd<'a>,
    /// Where the child's standard error goes (the host's, or /dev/null).
    pub stderr: BorrowedFd<'a>,
    pub null: BorrowedFd<'a>,
    pub ruleset: Option<BorrowedFd<'a>>,
    pub argv: &'a [CString],
}

/// Most seccomp programs the child installs, and most instructions in all
/// of them together (the kernel's limit is 4096 per program).
const MAX_PROGRAMS: usize = 2;
const MAX_INSTRUCTIONS: usize = 2 * 4096;

/// The step of the child's set-up that failed, as the parent reports it.
const STEPS: &[&str] = &[
    "placing descriptors",
    "limiting descriptors",
    "leaving the working directory",
    "setting the parent-death signal",
    "the host died before the enclave started",
    "dropping capabilities",
    "setting no_new_privs",
    "entering the Landlock domain",
    "installing the seccomp filter",
    "executing the image",
];

/// Landlock's ABI version on this kernel; 0 when it has none (or it is
/// disabled).
pub(super) fn landlock_abi() -> u32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag,
    // landlock_create_ruleset reads and writes no memory: it returns the
    // ABI version or fails (ENOSYS, EOPNOTSUPP).
    let version = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<u8>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    u32::try_from(version).unwrap_or(0)
}

/// The kernel's capability header and data (version 3: two 32-bit words).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAPABILITY_VERSION_3: u32 = 0x2008_0522;
const ROOT_DIR: &CStr = c"/";
const EMPTY: &CStr = c"";

/// Forks and executes the image; returns the child's pid once the image
/// runs (the exec succeeded), or which step of the set-up failed and why.
/// `filters` builds the seccomp programs (installed in order) for the
/// child's pid, which only exists after `fork`: the child waits for them on
/// a pipe, into memory reserved before the fork.
pub(super) fn spawn(
    prepared: &Prepared<'_>,
    filters: impl FnOnce(u32) -> Result<Vec<seccompiler::BpfProgram>, String>,
) -> Result<Pid, String> {
    let mut argv: Vec<*const libc::c_char> = prepared.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    let empty = libc::sock_filter {
        code: 0,
        jt: 0,
        jf: 0,
        k: 0,
    };
    let mut instructions = vec![empty; MAX_INSTRUCTIONS];
    let pipe = || {
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| format!("pipe: {e}"))
    };
    let (report_read, report_write) = pipe()?;
    let (program_read, program_write) = pipe()?;
    // The child's own copies sit above every number it assigns, so placing
    // one cannot overwrite another.
    let high = |fd: BorrowedFd<'_>| {
        rustix::io::fcntl_dupfd_cloexec(fd, 128).map_err(|e| format!("dup: {e}"))
    };
    let exe = high(prepared.exe)?;
    let channel = high(prepared.channel)?;
    let stderr = high(prepared.stderr)?;
    let null = high(prepared.null)?;
    let report = high(report_write.as_fd_borrowed())?;
    drop(report_write);
    let programs_in = high(program_read.as_fd_borrowed())?;
    drop(program_read);
    let ruleset: Option<OwnedFd> = prepared.ruleset.map(high).transpose()?;
    let child = ChildPlan {
        exe: exe.as_raw_fd(),
        channel: channel.as_raw_fd(),
        stderr: stderr.as_raw_fd(),
        null: null.as_raw_fd(),
        report: report.as_raw_fd(),
        ruleset: ruleset.as_ref().map_or(-1, |fd| fd.as_raw_fd()),
        programs_in: programs_in.as_raw_fd(),
        instructions: instructions.as_mut_ptr(),
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        // SAFETY: getpid has no preconditions.
        parent: unsafe { libc::getpid() },
    };
    // SAFETY: fork is sound here because the child runs only
    // `ChildPlan::run`, which makes raw, async-signal-safe system calls on
    // memory prepared above (no allocation, no locks) and ends in execveat
    // or _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        child.run();
    }
    drop((report, programs_in));
    // A failure to build or send them leaves the child without its
    // programs: it reports that step and exits.
    if let Ok(programs) = filters(pid as u32) {
        send_programs(&program_write, &programs);
    }
    drop(program_write);
    let mut failure = [0u8; 8];
    let mut got = 0;
    while got < failure.len() {
        match rustix::io::read(&report_read, &mut failure[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(format!("reading the enclave's start report: {e}")),
        }
    }
    let pid = Pid::from_raw(pid).ok_or_else(|| "fork returned no pid".to_string())?;
    if got == 0 {
        return Ok(pid);
    }
    let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
    let step = u32::from_le_bytes([failure[0], failure[1], failure[2], failure[3]]) as usize;
    let errno = i32::from_le_bytes([failure[4], failure[5], failure[6], failure[7]]);
    Err(format!(
        "starting the enclave process failed while {}: {}",
        STEPS.get(step).copied().unwrap_or("setting up"),
        std::io::Error::from_raw_os_error(errno)
    ))
}

/// `[count per program: u32; MAX_PROGRAMS]` then the instructions, in the
/// kernel's `sock_filter` layout (seccompiler's is the same).
fn send_programs(pipe: &OwnedFd, programs: &[seccompiler::BpfProgram]) {
    let total: usize = programs.iter().map(Vec::len).sum();
    if programs.len() > MAX_PROGRAMS || total > MAX_INSTRUCTIONS {
        return;
    }
    let mut bytes = Vec::with_capacity(4 * MAX_PROGRAMS + 8 * total);
    for n in 0..MAX_PROGRAMS {
        let count = programs.get(n).map_or(0, Vec::len) as u32;
        bytes.extend_from_slice(&count.to_ne_bytes());
    }
    for instruction in programs.iter().flatten() {
        bytes.extend_from_slice(&instruction.code.to_ne_bytes());
        bytes.push(instruction.jt);
        bytes.push(instruction.jf);
        bytes.extend_from_slice(&instruction.k.to_ne_bytes());
    }
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match rustix::io::write(pipe, rest) {
            Ok(n) => rest = &rest[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

trait AsFdBorrowed {
    fn as_fd_borrowed(&self) -> BorrowedFd<'_>;
}

impl AsFdBorrowed for OwnedFd {
    fn as_fd_borrowed(&self) -> BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(self)
    }
}

/// The child's side, as raw numbers and pointers into the parent's
/// (copied) memory.
struct ChildPlan {
    exe: i32,
    channel: i32,
    stderr: i32,
    null: i32,
    report: i32,
    ruleset: i32,
    programs_in: i32,
    /// Room for [`MAX_INSTRUCTIONS`] instructions, reserved before fork.
    instructions: *mut libc::sock_filter,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    parent: libc::pid_t,
}

/// Where the child keeps its report pipe until exec (below [`EXE_FD`] is
/// taken by what the enclave may open; above it by nothing).
const REPORT_FD: i32 = EXE_FD + 1;
const RULESET_FD: i32 = EXE_FD + 2;
const PROGRAMS_FD: i32 = EXE_FD + 3;

impl ChildPlan {
    fn run(&self) -> ! {
        // SAFETY (for every call below): raw system calls on descriptor
        // numbers and on memory the parent prepared before fork, which
        // the child's copy of the address space still holds; none
        // allocates or takes a lock.
        unsafe {
            let limit = libc::rlimit {
                rlim_cur: ENCLAVE_NOFILE,
                rlim_max: ENCLAVE_NOFILE,
            };
            let steps: [&dyn Fn() -> libc::c_long; 9] = [
                &|| self.place_descriptors(),
                &|| libc::setrlimit(libc::RLIMIT_NOFILE, &limit).into(),
                &|| libc::chdir(ROOT_DIR.as_ptr()).into(),
                &|| libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL).into(),
                // The host may have died between fork and the step above.
                &|| {
                    if libc::getppid() == self.parent {
                        0
                    } else {
                        -1
                    }
                },
                &|| drop_capabilities(),
                &|| libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).into(),
                &|| self.enter_landlock(),
                &|| self.install_filters(),
            ];
            for (step, run) in steps.iter().enumerate() {
                if run() < 0 {
                    self.fail(step as u32);
                }
            }
            libc::syscall(
                libc::SYS_execveat,
                EXE_FD,
                EMPTY.as_ptr(),
                self.argv,
                self.envp,
                libc::AT_EMPTY_PATH,
            );
            self.fail(steps.len() as u32);
        }
    }

    unsafe fn enter_landlock(&self) -> libc::c_long {
        if self.ruleset < 0 {
            return 0;
        }
        // SAFETY: see `run`; the ruleset descriptor was placed at RULESET_FD.
        unsafe {
            let rc = libc::syscall(libc::SYS_landlock_restrict_self, RULESET_FD, 0u32);
            libc::close(RULESET_FD);
            rc
        }
    }

    /// Reads exactly `len` bytes from the program pipe into `at`.
    unsafe fn read_exact(&self, at: *mut u8, len: usize) -> bool {
        let mut got = 0;
        while got < len {
            // SAFETY: see `run`; `at` has room for `len` bytes.
            let n = unsafe { libc::read(PROGRAMS_FD, at.add(got).cast(), len - got) };
            if n > 0 {
                got += n as usize;
            } else if n == 0 || unsafe { *libc::__errno_location() } != libc::EINTR {
                return false;
            }
        }
        true
    }

    unsafe fn install_filters(&self) -> libc::c_long {
        let mut counts = [0u32; MAX_PROGRAMS];
        // SAFETY: see `run`; `counts` is on this frame, `instructions` has
        // room for MAX_INSTRUCTIONS, which bounds the total read.
        unsafe {
            if !self.read_exact(counts.as_mut_ptr().cast(), size_of_val(&counts)) {
                return -1;
            }
            let mut total = 0usize;
            for count in counts {
                total += count as usize;
            }
            if total > MAX_INSTRUCTIONS
                || !self.read_exact(
                    self.instructions.cast(),
                    total * size_of::<libc::sock_filter>(),
                )
            {
                return -1;
            }
            libc::close(PROGRAMS_FD);
            let mut start = 0usize;
            for count in counts {
                if count == 0 {
                    continue;
                }
                let program = libc::sock_fprog {
                    len: count as u16,
                    filter: self.instructions.add(start),
                };
                start += count as usize;
                let rc = libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    std::ptr::from_ref(&program),
                );
                if rc < 0 {
                    return rc.into();
                }
            }
        }
        0
    }

    /// 0–2 standard streams, the channel at [`CHANNEL_FD`] (inherited), the
    /// image at [`EXE_FD`] and the report pipe (close-on-exec), everything
    /// else closed.
    unsafe fn place_descriptors(&self) -> libc::c_long {
        let placements = [
            (self.null, 0, 0),
            (self.null, 1, 0),
            (self.stderr, 2, 0),
            (self.channel, CHANNEL_FD, 0),
            (self.exe, EXE_FD, libc::O_CLOEXEC),
            (self.report, REPORT_FD, libc::O_CLOEXEC),
            (self.ruleset, RULESET_FD, libc::O_CLOEXEC),
            (self.programs_in, PROGRAMS_FD, libc::O_CLOEXEC),
        ];
        for (from, to, flags) in placements {
            // SAFETY: see `run`.
            if from >= 0 && unsafe { libc::dup3(from, to, flags) } < 0 {
                return -1;
            }
        }
        // SAFETY: see `run`. close_range on number ranges only.
        unsafe {
            libc::syscall(
                libc::SYS_close_range,
                CHANNEL_FD as u32 + 1,
                EXE_FD as u32 - 1,
                0u32,
            );
            libc::syscall(
                libc::SYS_close_range,
                PROGRAMS_FD as u32 + 1,
                u32::MAX,
                0u32,
            )
        }
    }

    fn fail(&self, step: u32) -> ! {
        // SAFETY: errno location and write on a pipe and a stack buffer;
        // _exit ends the child without running the parent's handlers.
        unsafe {
            let errno = *libc::__errno_location();
            let mut report = [0u8; 8];
            report[..4].copy_from_slice(&step.to_le_bytes());
            report[4..].copy_from_slice(&errno.to_le_bytes());
            libc::write(REPORT_FD, report.as_ptr().cast(), report.len());
            libc::_exit(127)
        }
    }
}

/// Empties the bounding set (where the process may: it needs CAP_SETPCAP)
/// and every capability set, so an enclave started by root holds none.
unsafe fn drop_capabilities() -> libc::c_long {
    for cap in 0..64 {
        // SAFETY: prctl on integers. EINVAL past the last capability and
        // EPERM without CAP_SETPCAP are expected and harmless.
        unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
    }
    let header = CapHeader {
        version: CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: capset reads one header and two data words, both on this
    // stack frame, laid out as the kernel's version-3 structures.
    unsafe { libc::syscall(libc::SYS_capset, std::ptr::from_ref(&header), data.as_ptr()) }
}
