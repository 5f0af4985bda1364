//! What the enclave process does to itself before it runs user code: keep
//! only its channel, refuse core dumps and ptrace unless debugging, cap its
//! memory, and install a seccomp filter that denies every system call it
//! does not need, so enclave code cannot open files or sockets, execute
//! programs or create processes: all I/O goes through OCALLs, as in a TEE.

use rustix::fd::{FromRawFd, OwnedFd};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};
use secgear_sim::CHANNEL_FD;
use secgear_sim::channel::Channel;
use secgear_sim::launch::Mode;
use std::collections::BTreeMap;

/// Takes ownership of the channel descriptor the loader placed at
/// [`CHANNEL_FD`] and closes every other inherited descriptor.
pub fn take_channel() -> Result<Channel, String> {
    // F_GETFD names the descriptor by number: nothing is borrowed, so a
    // closed one is just EBADF.
    // SAFETY: fcntl(F_GETFD) takes no pointer and touches no memory.
    if unsafe { libc::fcntl(CHANNEL_FD, libc::F_GETFD) } < 0 {
        return Err(format!(
            "descriptor {CHANNEL_FD} is not open: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: the loader hands descriptor 3 to this process for its channel
    // alone, and nothing else in the process has taken ownership of it yet
    // (this runs first in `main`).
    let fd = unsafe { OwnedFd::from_raw_fd(CHANNEL_FD) };
    close_inherited();
    Channel::attach(fd).map_err(|e| e.to_string())
}

/// Closes every descriptor but the channel: the standard streams and
/// whatever a loader left open. By number, not by listing /proc/self/fd,
/// which the host's confinement may already hide.
fn close_inherited() {
    let channel = CHANNEL_FD as libc::c_uint;
    for (first, last) in [(0, channel - 1), (channel + 1, libc::c_uint::MAX)] {
        // SAFETY: close_range acts on descriptor numbers only. These were
        // inherited; no object in this process owns them yet (this runs
        // first in `main`, before anything opens a descriptor).
        unsafe { libc::syscall(libc::SYS_close_range, first, last, 0 as libc::c_uint) };
    }
}

/// Worker threads run user code; give them room for fixed-size buffers
/// (each parameter's is at most 1 MiB).
pub(super) const WORKER_STACK: usize = 8 << 20;

/// Private memory beyond the heap: the runtime's own allocations and the
/// worker stacks are not the application's to budget.
const RUNTIME_RESERVE: u64 = 32 << 20;

/// Enters the sandbox for every thread of the process.
pub fn enter(mode: Mode, heap_limit: u64, workers: usize) -> Result<(), String> {
    if !mode.is_debug() {
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
            .map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    }
    let stacks = (workers as u64).saturating_mul(WORKER_STACK as u64 + (64 << 10));
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

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| e.to_string())
}

fn filter() -> Result<BpfProgram, String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        ALLOWED.iter().map(|s| (*s, Vec::new())).collect();
    // Memory may be mapped or re-protected, but never made executable (no
    // code enters the enclave after it was measured), and never shared
    // anonymously (shared mappings escape the RLIMIT_DATA heap limit).
    let no_exec = || condition(2, SeccompCmpOp::MaskedEq(libc::PROT_EXEC as u64), 0);
    let private = condition(3, SeccompCmpOp::MaskedEq(libc::MAP_SHARED as u64), 0)?;
    rules.insert(libc::SYS_mmap, vec![rule(vec![no_exec()?, private])?]);
    rules.insert(libc::SYS_mprotect, vec![rule(vec![no_exec()?])?]);
    // Only the futex operations std uses; PI locks could name host threads.
    let futex_ops = [
        libc::FUTEX_WAIT,
        libc::FUTEX_WAKE,
        libc::FUTEX_WAIT_BITSET,
        libc::FUTEX_WAKE_BITSET,
    ]
    .into_iter()
    .map(|op| {
        condition(
            1,
            SeccompCmpOp::MaskedEq(libc::FUTEX_CMD_MASK as u64),
            op as u64,
        )
        .and_then(|c| rule(vec![c]))
    })
    .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_futex, futex_ops);
    // Writes to the (closed) standard streams fail with EBADF, which
    // `println!` tolerates; any other descriptor is refused.
    let std_streams = || -> Result<Vec<SeccompRule>, String> {
        Ok(vec![
            rule(vec![condition(0, SeccompCmpOp::Eq, 1)?])?,
            rule(vec![condition(0, SeccompCmpOp::Eq, 2)?])?,
        ])
    };
    rules.insert(libc::SYS_write, std_streams()?);
    rules.insert(libc::SYS_writev, std_streams()?);
    // Reading whether the process is dumpable changes nothing (tests read it
    // to see production mode hold).
    rules.insert(
        libc::SYS_prctl,
        vec![rule(vec![condition(
            0,
            SeccompCmpOp::Eq,
            libc::PR_GET_DUMPABLE as u64,
        )?])?],
    );
    // `abort()` raises SIGABRT at itself, and only at itself.
    let own_pid = std::process::id() as u64;
    rules.insert(
        libc::SYS_tgkill,
        vec![rule(vec![condition(0, SeccompCmpOp::Eq, own_pid)?])?],
    );
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
