//! What the enclave process does to itself before it runs user code: keep
//! only its channel, refuse core dumps and ptrace unless debugging, cap its
//! memory, and install a seccomp filter that denies every system call it
//! does not need, so enclave code cannot open files or sockets, execute
//! programs or create processes: all I/O goes through OCALLs, as in a TEE.

use rustix::fd::{BorrowedFd, FromRawFd, OwnedFd};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};
use secgear_sim::CHANNEL_FD;
use secgear_sim::channel::Channel;
use std::collections::BTreeMap;

/// Takes ownership of the channel descriptor the loader placed at
/// [`CHANNEL_FD`] and closes every other inherited descriptor.
pub fn take_channel() -> Result<Channel, String> {
    // SAFETY: the fd number is only borrowed for this probe, which fails
    // cleanly (EBADF) if the loader did not provide it.
    let probe = unsafe { BorrowedFd::borrow_raw(CHANNEL_FD) };
    rustix::io::fcntl_getfd(probe)
        .map_err(|e| format!("descriptor {CHANNEL_FD} is not open: {e}"))?;
    // SAFETY: the loader hands descriptor 3 to this process for its channel
    // alone, and nothing else in the process has taken ownership of it yet
    // (this runs first in `main`).
    let fd = unsafe { OwnedFd::from_raw_fd(CHANNEL_FD) };
    close_inherited();
    Channel::attach(fd).map_err(|e| e.to_string())
}

fn close_inherited() {
    let open: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in open.into_iter().filter(|fd| *fd != CHANNEL_FD) {
        // SAFETY: these descriptors were inherited; no object in this
        // process owns them. The directory handle used to list them is
        // already closed, so its stale number fails with a harmless EBADF,
        // which `libc::close` reports (and we ignore) rather than asserts.
        unsafe { libc::close(fd) };
    }
}

/// Private memory beyond the heap: the runtime's own allocations and the
/// worker stacks are not the application's to budget.
const RUNTIME_RESERVE: u64 = 32 << 20;

/// Enters the sandbox for every thread of the process.
pub fn enter(debug: bool, heap_limit: u64, workers: usize) -> Result<(), String> {
    if !debug {
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
            .map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    }
    let stacks = (workers as u64).saturating_mul(crate::runtime::WORKER_STACK as u64 + (64 << 10));
    let data = heap_limit
        .saturating_add(stacks)
        .saturating_add(RUNTIME_RESERVE);
    let limit = rustix::process::Rlimit {
        current: Some(data),
        maximum: Some(data),
    };
    rustix::process::setrlimit(rustix::process::Resource::Data, limit)
        .map_err(|e| format!("RLIMIT_DATA: {e}"))?;
    let program = filter()?;
    seccompiler::apply_filter_all_threads(&program).map_err(|e| format!("seccomp: {e}"))
}

/// The system calls an enclave may make. Everything else fails with EPERM.
const ALLOWED: &[libc::c_long] = &[
    libc::SYS_futex,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_madvise,
    libc::SYS_brk,
    libc::SYS_exit,
    libc::SYS_exit_group,
    libc::SYS_rt_sigreturn,
    libc::SYS_rt_sigprocmask,
    // A faulting thread's handler must be able to restore the default action
    // and die; denying it would leave the fault repeating forever.
    libc::SYS_rt_sigaction,
    libc::SYS_sigaltstack,
    libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity,
    libc::SYS_getrandom,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_getppid,
    libc::SYS_close,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_nanosleep,
];

fn filter() -> Result<BpfProgram, String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        ALLOWED.iter().map(|s| (*s, Vec::new())).collect();
    // Memory may be mapped or re-protected, but never made executable: no
    // code enters the enclave after it was measured.
    let no_exec = SeccompCondition::new(
        2,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::MaskedEq(libc::PROT_EXEC as u64),
        0,
    )
    .and_then(|c| SeccompRule::new(vec![c]))
    .map_err(|e| e.to_string())?;
    rules.insert(libc::SYS_mmap, vec![no_exec.clone()]);
    rules.insert(libc::SYS_mprotect, vec![no_exec]);
    #[cfg(target_arch = "x86_64")]
    let arch = seccompiler::TargetArch::x86_64;
    #[cfg(target_arch = "aarch64")]
    let arch = seccompiler::TargetArch::aarch64;
    #[cfg(target_arch = "riscv64")]
    let arch = seccompiler::TargetArch::riscv64;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )
    .map_err(|e| e.to_string())?;
    BpfProgram::try_from(filter).map_err(|e| e.to_string())
}
