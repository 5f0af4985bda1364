//! Starting the enclave process: `fork`, then, in the child and before the
//! image's first instruction, descriptors, limits, parent-death signal,
//! capabilities, `no_new_privs`, Landlock and seccomp, and finally
//! `execveat` of the verified image. Everything the child needs is prepared
//! by the parent; between `fork` and `execveat` the child makes only raw
//! system calls (no allocation, no locks: the parent has other threads).
//!
//! **Exactly one exec.** The allow-list lets `execveat` through only on the
//! image's descriptor, but the kernel ignores the descriptor for an absolute
//! path, so that alone would let the image execute other programs. A third
//! filter (the *exec gate*) hands every `execveat` to the parent as a
//! seccomp user notification: the parent lets the child's first one, on the
//! image's descriptor, continue, then closes its listener, after which the
//! kernel fails every `execveat` with `ENOSYS`.
//!
//! The only `unsafe` of the simulation backend's process set-up lives here.

use super::confine::{ENCLAVE_NOFILE, EXE_FD, REPORT_FD};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use rustix::process::Pid;
use secgear_sim::CHANNEL_FD;
use std::ffi::{CStr, CString};
use std::mem::MaybeUninit;

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

/// The seccomp programs, built by the parent once the child's pid is known
/// (the allow-list names it), installed by the child in this order.
pub(super) struct Programs {
    /// Answers `clone3` with ENOSYS; installed first, with `prctl`.
    pub clone3: seccompiler::BpfProgram,
    /// The allow-list; installed last (it refuses `prctl(PR_SET_SECCOMP)`).
    pub allow_list: seccompiler::BpfProgram,
}

/// The filters the host installs (clone3, the exec gate, the allow-list).
pub(super) const HOST_FILTERS: u32 = 3;

/// Most instructions of all programs together (the kernel allows 4096 per
/// program).
const MAX_INSTRUCTIONS: usize = 2 * 4096;
const PROGRAMS: usize = 2;

/// The steps of the child's set-up, as the parent reports a failure.
const STEPS: &[&str] = &[
    "placing descriptors",
    "limiting descriptors",
    "leaving the working directory",
    "setting the parent-death signal",
    "the host died before the enclave started",
    "dropping capabilities",
    "setting no_new_privs",
    "entering the Landlock domain",
    "receiving the seccomp filters",
    "installing the clone3 filter",
    "installing the exec gate",
    "installing the seccomp allow-list",
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

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;
#[cfg(target_arch = "riscv64")]
const AUDIT_ARCH: u32 = 0xC000_00F3;

/// The exec gate: `execveat` → user notification, everything else allowed
/// (the allow-list decides those).
fn exec_gate() -> [libc::sock_filter; 6] {
    let stmt = |code: u32, k: u32| libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |k: u32, jt: u8, jf: u8| libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    };
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    [
        // seccomp_data: nr at 0, arch at 4.
        stmt(load, 4),
        jump(AUDIT_ARCH, 0, 3),
        stmt(load, 0),
        jump(libc::SYS_execveat as u32, 0, 1),
        stmt(ret, libc::SECCOMP_RET_USER_NOTIF),
        stmt(ret, libc::SECCOMP_RET_ALLOW),
    ]
}

/// Forks and executes the image; returns the child's pid once the image
/// runs (the exec succeeded), or which step of the set-up failed and why.
pub(super) fn spawn(
    prepared: &Prepared<'_>,
    programs: impl FnOnce(u32) -> Result<Programs, String>,
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
    let mut gate = exec_gate();
    // The child's message carrying its listener: one byte and one fd.
    // SAFETY: CMSG_SPACE is arithmetic on a size.
    let control_len = unsafe { libc::CMSG_SPACE(size_of::<libc::c_int>() as u32) } as usize;
    let mut control = vec![0u64; control_len.div_ceil(8)];
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    message.msg_iov = &mut iov;
    message.msg_iovlen = 1;
    message.msg_control = control.as_mut_ptr().cast();
    message.msg_controllen = control_len as _;
    // SAFETY: the control buffer is CMSG_SPACE(int) bytes, aligned for
    // cmsghdr, so the first header and its data lie inside it.
    let listener_slot = unsafe {
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(size_of::<libc::c_int>() as u32) as _;
        libc::CMSG_DATA(header).cast::<libc::c_int>()
    };
    let (report_read, report_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| format!("pipe: {e}"))?;
    let (control_parent, control_child) = rustix::net::socketpair(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .map_err(|e| format!("socketpair: {e}"))?;
    // The child's own copies sit above every number it assigns, so placing
    // one cannot overwrite another.
    let high = |fd: BorrowedFd<'_>| {
        rustix::io::fcntl_dupfd_cloexec(fd, 128).map_err(|e| format!("dup: {e}"))
    };
    let exe = high(prepared.exe)?;
    let channel = high(prepared.channel)?;
    let stderr = high(prepared.stderr)?;
    let null = high(prepared.null)?;
    let report = high(report_write.as_fd())?;
    drop(report_write);
    let control = high(control_child.as_fd())?;
    drop(control_child);
    let ruleset: Option<OwnedFd> = prepared.ruleset.map(high).transpose()?;
    let child = ChildPlan {
        exe: exe.as_raw_fd(),
        channel: channel.as_raw_fd(),
        stderr: stderr.as_raw_fd(),
        null: null.as_raw_fd(),
        report: report.as_raw_fd(),
        ruleset: ruleset.as_ref().map_or(-1, |fd| fd.as_raw_fd()),
        control: control.as_raw_fd(),
        instructions: instructions.as_mut_ptr(),
        gate: libc::sock_fprog {
            len: gate.len() as u16,
            filter: gate.as_mut_ptr(),
        },
        message: &message,
        listener_slot,
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
    drop((report, control));
    let child_pid = Pid::from_raw(pid).ok_or_else(|| "fork returned no pid".to_string())?;
    // A failure to build or send them leaves the child without its
    // programs: it reports that step and exits.
    if let Ok(programs) = programs(pid as u32) {
        send_programs(&control_parent, &programs);
    }
    let executed = match receive_listener(&control_parent) {
        Some(listener) => supervise_exec(&listener, pid as u32, &report_read),
        None => Ok(false),
    };
    // A failure record explains more than "it never executed".
    let outcome = read_report(&report_read).and_then(|()| match executed {
        Ok(true) => Ok(()),
        Ok(false) => Err("the enclave process ended before executing its image".into()),
        Err(e) => Err(e),
    });
    if outcome.is_err() {
        let _ = rustix::process::kill_process(child_pid, rustix::process::Signal::KILL);
        let _ = rustix::process::waitpid(Some(child_pid), rustix::process::WaitOptions::empty());
    }
    outcome.map(|()| child_pid)
}

/// `[instructions per program: u32; PROGRAMS]` then the instructions, in
/// the kernel's `sock_filter` layout (seccompiler's is the same). Sent
/// without SIGPIPE: a child that died must not take the host with it.
fn send_programs(socket: &OwnedFd, programs: &Programs) {
    let all = [&programs.clone3, &programs.allow_list];
    let total: usize = all.iter().map(|p| p.len()).sum();
    if total > MAX_INSTRUCTIONS {
        return;
    }
    let mut bytes = Vec::with_capacity(4 * PROGRAMS + 8 * total);
    for program in all {
        bytes.extend_from_slice(&(program.len() as u32).to_ne_bytes());
    }
    for instruction in all.into_iter().flatten() {
        bytes.extend_from_slice(&instruction.code.to_ne_bytes());
        bytes.push(instruction.jt);
        bytes.push(instruction.jf);
        bytes.extend_from_slice(&instruction.k.to_ne_bytes());
    }
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match rustix::net::send(socket, rest, rustix::net::SendFlags::NOSIGNAL) {
            Ok(n) => rest = &rest[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

/// The child's seccomp listener, or `None` if it never sent one (it failed
/// before, and says why on the report pipe).
fn receive_listener(socket: &OwnedFd) -> Option<OwnedFd> {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut ancillary = RecvAncillaryBuffer::new(&mut space);
    let mut byte = [0u8; 1];
    loop {
        let received = rustix::net::recvmsg(
            socket,
            &mut [std::io::IoSliceMut::new(&mut byte)],
            &mut ancillary,
            RecvFlags::CMSG_CLOEXEC,
        );
        match received {
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return None,
            Ok(r) if r.bytes == 0 => return None,
            Ok(_) => break,
        }
    }
    ancillary.drain().find_map(|message| match message {
        RecvAncillaryMessage::ScmRights(mut fds) => fds.next(),
        _ => None,
    })
}

/// Waits for the child's exec and lets exactly that one continue: an
/// `execveat` from the child, on the image's descriptor. True once it
/// continued (the caller then closes the listener), false if the child
/// reported or ended first; an error if it asked for anything else.
fn supervise_exec(listener: &OwnedFd, child: u32, report: &OwnedFd) -> Result<bool, String> {
    use rustix::event::{PollFd, PollFlags};
    loop {
        let mut fds = [
            PollFd::new(listener, PollFlags::IN),
            PollFd::new(report, PollFlags::IN),
        ];
        match rustix::event::poll(&mut fds, None) {
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(format!("waiting for the enclave's exec: {e}")),
            Ok(_) => {}
        }
        let notified = fds[0].revents().contains(PollFlags::IN);
        let reported = !fds[1].revents().is_empty();
        if !notified {
            if reported || fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR) {
                return Ok(false);
            }
            continue;
        }
        // SAFETY: seccomp_notif is plain data the kernel fills.
        let mut notification: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: NOTIF_RECV writes one seccomp_notif into the buffer given.
        let rc = unsafe {
            libc::ioctl(
                listener.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_RECV,
                &mut notification,
            )
        };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) || e.raw_os_error() == Some(libc::ENOENT) {
                continue;
            }
            return Err(format!("receiving the enclave's exec: {e}"));
        }
        let expected = notification.pid == child
            && notification.data.nr == libc::SYS_execveat as i32
            && notification.data.args[0] == EXE_FD as u64;
        let mut response = libc::seccomp_notif_resp {
            id: notification.id,
            val: 0,
            error: if expected { 0 } else { -libc::EPERM },
            flags: if expected {
                libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32
            } else {
                0
            },
        };
        // SAFETY: NOTIF_SEND reads one seccomp_notif_resp.
        let rc = unsafe {
            libc::ioctl(
                listener.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_SEND,
                &mut response,
            )
        };
        if rc < 0 {
            return Err(format!(
                "answering the enclave's exec: {}",
                std::io::Error::last_os_error()
            ));
        }
        if !expected {
            return Err("the enclave process asked to execute something else".into());
        }
        return Ok(true);
    }
}

/// Reads the report pipe to its end: nothing means the exec succeeded (the
/// pipe closed on exec), a record names the step that failed.
fn read_report(report: &OwnedFd) -> Result<(), String> {
    let mut failure = [0u8; 8];
    let mut got = 0;
    while got < failure.len() {
        match rustix::io::read(report, &mut failure[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(format!("reading the enclave's start report: {e}")),
        }
    }
    if got == 0 {
        return Ok(());
    }
    let step = u32::from_le_bytes([failure[0], failure[1], failure[2], failure[3]]) as usize;
    let errno = i32::from_le_bytes([failure[4], failure[5], failure[6], failure[7]]);
    Err(format!(
        "starting the enclave process failed while {}: {}",
        STEPS.get(step).copied().unwrap_or("setting up"),
        std::io::Error::from_raw_os_error(errno)
    ))
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
    control: i32,
    /// Room for [`MAX_INSTRUCTIONS`] instructions, reserved before fork.
    instructions: *mut libc::sock_filter,
    gate: libc::sock_fprog,
    /// The message that carries the listener to the parent, and where in
    /// it the listener's number goes.
    message: *const libc::msghdr,
    listener_slot: *mut libc::c_int,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    parent: libc::pid_t,
}

const RULESET_FD: i32 = EXE_FD + 2;
const CONTROL_FD: i32 = EXE_FD + 3;

impl ChildPlan {
    fn run(&self) -> ! {
        let check = |step: u32, rc: libc::c_long| {
            if rc < 0 {
                self.fail(step);
            }
        };
        // SAFETY (for every call below): raw system calls on descriptor
        // numbers and on memory the parent prepared before fork, which
        // the child's copy of the address space still holds; none
        // allocates or takes a lock.
        unsafe {
            check(0, self.place_descriptors());
            let limit = libc::rlimit {
                rlim_cur: ENCLAVE_NOFILE,
                rlim_max: ENCLAVE_NOFILE,
            };
            check(1, libc::setrlimit(libc::RLIMIT_NOFILE, &limit).into());
            check(2, libc::chdir(ROOT_DIR.as_ptr()).into());
            check(3, libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL).into());
            // The host may have died between fork and the step above.
            check(
                4,
                if libc::getppid() == self.parent {
                    0
                } else {
                    -1
                },
            );
            check(5, drop_capabilities());
            check(6, libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).into());
            check(7, self.enter_landlock());
            let mut counts = [0u32; PROGRAMS];
            check(8, self.receive_programs(&mut counts));
            check(9, self.install(self.instructions, counts[0]));
            check(10, self.install_gate());
            let allow_list = self.instructions.add(counts[0] as usize);
            check(11, self.install(allow_list, counts[1]));
            libc::syscall(
                libc::SYS_execveat,
                EXE_FD,
                EMPTY.as_ptr(),
                self.argv,
                self.envp,
                libc::AT_EMPTY_PATH,
            );
            self.fail(12);
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

    /// Reads exactly `len` bytes from the control socket into `at`.
    unsafe fn read_exact(&self, at: *mut u8, len: usize) -> bool {
        let mut got = 0;
        while got < len {
            // SAFETY: see `run`; `at` has room for `len` bytes.
            let n = unsafe { libc::read(CONTROL_FD, at.add(got).cast(), len - got) };
            if n > 0 {
                got += n as usize;
            } else if n == 0 || unsafe { *libc::__errno_location() } != libc::EINTR {
                return false;
            }
        }
        true
    }

    /// Reads the instruction counts into `counts` and the instructions into
    /// the reserved buffer.
    unsafe fn receive_programs(&self, counts: &mut [u32; PROGRAMS]) -> libc::c_long {
        // SAFETY: see `run`; `counts` is the caller's array, `instructions`
        // has room for MAX_INSTRUCTIONS, which bounds the total read.
        unsafe {
            if !self.read_exact(counts.as_mut_ptr().cast(), size_of::<[u32; PROGRAMS]>()) {
                return -1;
            }
            let total = counts.iter().map(|c| *c as usize).sum::<usize>();
            if total > MAX_INSTRUCTIONS
                || counts.contains(&0)
                || !self.read_exact(
                    self.instructions.cast(),
                    total * size_of::<libc::sock_filter>(),
                )
            {
                return -1;
            }
        }
        0
    }

    unsafe fn install(&self, filter: *mut libc::sock_filter, count: u32) -> libc::c_long {
        let program = libc::sock_fprog {
            len: count as u16,
            filter,
        };
        // SAFETY: see `run`; `filter` points at `count` instructions read
        // into the reserved buffer.
        unsafe {
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                std::ptr::from_ref(&program),
            )
            .into()
        }
    }

    /// Installs the exec gate with a listener and sends the listener to the
    /// parent over the control socket; the child keeps no copy.
    unsafe fn install_gate(&self) -> libc::c_long {
        // SAFETY: see `run`; the gate program and the message were built
        // by the parent, `listener_slot` points into the message's control
        // buffer.
        unsafe {
            let listener = libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
                std::ptr::from_ref(&self.gate),
            );
            if listener < 0 {
                return listener;
            }
            *self.listener_slot = listener as libc::c_int;
            let sent = libc::sendmsg(CONTROL_FD, self.message, libc::MSG_NOSIGNAL);
            libc::close(listener as libc::c_int);
            libc::close(CONTROL_FD);
            if sent < 0 { -1 } else { 0 }
        }
    }

    /// 0–2 standard streams, the channel at [`CHANNEL_FD`] (inherited), the
    /// image at [`EXE_FD`] and the child's set-up descriptors above it
    /// (close-on-exec), everything else closed.
    unsafe fn place_descriptors(&self) -> libc::c_long {
        let placements = [
            (self.null, 0, 0),
            (self.null, 1, 0),
            (self.stderr, 2, 0),
            (self.channel, CHANNEL_FD, 0),
            (self.exe, EXE_FD, libc::O_CLOEXEC),
            (self.report, REPORT_FD, libc::O_CLOEXEC),
            (self.ruleset, RULESET_FD, libc::O_CLOEXEC),
            (self.control, CONTROL_FD, libc::O_CLOEXEC),
        ];
        for (from, to, flags) in placements {
            // SAFETY: see `run`.
            if from >= 0 && unsafe { libc::dup3(from, to, flags) } < 0 {
                return -1;
            }
        }
        // SAFETY: see `run`. Closing by number only.
        unsafe {
            if self.ruleset < 0 {
                libc::close(RULESET_FD);
            }
            libc::syscall(
                libc::SYS_close_range,
                CHANNEL_FD as u32 + 1,
                EXE_FD as u32 - 1,
                0u32,
            );
            libc::syscall(libc::SYS_close_range, CONTROL_FD as u32 + 1, u32::MAX, 0u32)
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
