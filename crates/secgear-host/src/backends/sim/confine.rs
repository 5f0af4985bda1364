//! What the host puts around a simulation enclave's process before the
//! image's first instruction: the plan (which protections this kernel can
//! give), the Landlock ruleset and the first seccomp filter. They are built
//! here, in the host, and applied by [`super::spawn`] between `fork` and
//! `execve`, so they bind the dynamic loader, constructors and any image
//! that never starts the runtime. The runtime's own, stricter filter comes
//! on top once the enclave's `main` runs (see `secgear-enclave`'s sandbox).

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
    RulesetAttr, RulesetCreatedAttr, Scope,
};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};
use secgear_sim::CHANNEL_FD;
use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// Where the child finds the image it executes: above [`ENCLAVE_NOFILE`],
/// so once the descriptor closes on exec no descriptor of that number can
/// be made again. (The kernel ignores the descriptor for an absolute path:
/// the exec gate in `spawn.rs` is what allows exactly one exec.)
pub(super) const EXE_FD: i32 = 64;
/// Descriptors the enclave process may hold (0–2, the channel, and the
/// loader's libraries, one at a time).
pub(super) const ENCLAVE_NOFILE: u64 = 16;
/// Where the child keeps its failure-report pipe until exec: above
/// [`EXE_FD`], so above the descriptor limit, where nothing can be made
/// after exec.
pub(super) const REPORT_FD: i32 = EXE_FD + 1;
/// The newest Landlock ABI whose rights this module knows how to use.
const NEWEST_KNOWN_ABI: u32 = 6;

/// One protection of a simulation enclave's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protection {
    /// `PR_SET_NO_NEW_PRIVS`: nothing it executes gains privileges.
    NoNewPrivileges,
    /// Every capability dropped (bounding set included), even when the
    /// host runs as root.
    NoCapabilities,
    /// `PR_SET_PDEATHSIG`: the enclave is killed when its host dies.
    ParentDeathSignal,
    /// The host's seccomp filter: no sockets, no new processes or programs,
    /// no tracing or reading of other processes, no shared or anonymous
    /// executable mappings beyond what the loader and channel need.
    SyscallFilter,
    /// Landlock (ABI 1): no file may be opened except the loader's libraries
    /// (read) and its interpreter (execute).
    Filesystem,
    /// Landlock (ABI 4): no TCP bind or connect.
    Tcp,
    /// Landlock (ABI 6): no signals to processes outside the enclave.
    Signals,
    /// Landlock (ABI 6): no connections to abstract Unix sockets outside.
    AbstractUnixSockets,
    /// The enclave runtime's own filter, descriptor clean-up, memory limit
    /// and non-dumpable state: from its `main` on, for images that use
    /// `entry!`. Reported only when the kernel shows the runtime's filter
    /// on top of the host's, not on the image's word.
    RuntimeSandbox,
}

impl Protection {
    pub fn name(self) -> &'static str {
        match self {
            Self::NoNewPrivileges => "no_new_privs",
            Self::NoCapabilities => "no-capabilities",
            Self::ParentDeathSignal => "parent-death-signal",
            Self::SyscallFilter => "seccomp",
            Self::Filesystem => "landlock-fs",
            Self::Tcp => "landlock-tcp",
            Self::Signals => "landlock-signals",
            Self::AbstractUnixSockets => "landlock-abstract-unix",
            Self::RuntimeSandbox => "runtime-sandbox",
        }
    }

    /// Whether it holds from the image's first instruction (else only once
    /// the runtime has started).
    pub fn from_first_instruction(self) -> bool {
        self != Self::RuntimeSandbox
    }
}

impl std::fmt::Display for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What confines one simulation enclave: reported in
/// [`EnclaveInfo::confinement`](crate::EnclaveInfo) and the creation log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confinement {
    /// The Landlock ABI the kernel offered (0: none).
    pub landlock_abi: u32,
    /// What holds, in the order of [`Protection`].
    pub protections: Vec<Protection>,
}

impl Confinement {
    /// What a kernel offering Landlock ABI `landlock_abi` allows. The order
    /// of fallback: every protection not listed with an ABI always holds;
    /// without ABI 6 signals are limited by the syscall filter alone (no
    /// `kill`, `tgkill` only to itself), without ABI 4 TCP is refused by the
    /// filter alone (no `socket`), and without ABI 1 the filesystem is not
    /// confined, which [`SimConfinement::Required`] refuses.
    pub fn plan(landlock_abi: u32) -> Self {
        let mut protections = vec![
            Protection::NoNewPrivileges,
            Protection::NoCapabilities,
            Protection::ParentDeathSignal,
            Protection::SyscallFilter,
        ];
        let with = |abi: u32, p: Protection| (landlock_abi >= abi).then_some(p);
        protections.extend(
            [
                with(1, Protection::Filesystem),
                with(4, Protection::Tcp),
                with(6, Protection::Signals),
                with(6, Protection::AbstractUnixSockets),
            ]
            .into_iter()
            .flatten(),
        );
        Self {
            landlock_abi,
            protections,
        }
    }

    pub fn holds(&self, protection: Protection) -> bool {
        self.protections.contains(&protection)
    }

    /// Refuses a plan that leaves the platform's secrets readable, unless
    /// the caller accepted that.
    pub fn check(&self, policy: SimConfinement) -> Result<(), String> {
        if self.holds(Protection::Filesystem) || policy == SimConfinement::AllowUnconfinedFilesystem
        {
            return Ok(());
        }
        Err(format!(
            "this kernel offers no Landlock filesystem confinement (ABI {}), so code in an enclave \
             image could read files, the simulated platform's secrets included, before its runtime \
             starts; enable Landlock (CONFIG_SECURITY_LANDLOCK, lsm=landlock) or accept this with \
             EnclaveBuilder::sim_confinement(SimConfinement::AllowUnconfinedFilesystem)",
            self.landlock_abi
        ))
    }

    /// The protections as a list for logs: `seccomp, landlock-fs, ...`.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.protections.iter().map(|p| p.name()).collect();
        names.join(", ")
    }
}

/// How strictly a simulation enclave must be confined before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimConfinement {
    /// Refuse to start where the kernel cannot confine the filesystem.
    #[default]
    Required,
    /// Start anyway (a loud warning is logged): for development on kernels
    /// without Landlock, never where the state directory holds secrets that
    /// matter.
    AllowUnconfinedFilesystem,
}

/// Directories the dynamic loader searches by default and the files it
/// reads there; granted read (never write, list or execute).
const LIBRARY_PATHS: &[&str] = &[
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/local/lib",
    "/etc/ld.so.cache",
    "/etc/ld.so.preload",
];

/// The paths the enclave may read, canonical, and the interpreter it may
/// execute; refuses when one of `secret_dirs` lies under a readable path.
pub(super) struct LoaderPaths {
    pub readable: Vec<PathBuf>,
    pub interpreter: Option<PathBuf>,
}

impl LoaderPaths {
    pub(super) fn for_image(executable: &[u8], secret_dirs: &[&Path]) -> Result<Self, String> {
        let mut readable: Vec<PathBuf> = LIBRARY_PATHS
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        readable.sort();
        readable.dedup();
        let interpreter = interpreter_of(executable)?
            .map(|p| checked_interpreter(&p, &readable))
            .transpose()?;
        for secret in secret_dirs {
            let secret = std::fs::canonicalize(secret).unwrap_or_else(|_| secret.to_path_buf());
            if let Some(open) = readable.iter().find(|r| secret.starts_with(r)) {
                return Err(format!(
                    "the directory {} lies under {}, which enclaves may read: move it elsewhere",
                    secret.display(),
                    open.display()
                ));
            }
        }
        Ok(Self {
            readable,
            interpreter,
        })
    }
}

/// The image names its interpreter, so the image decides what the
/// enclave may execute: only a regular file among the loader's libraries
/// is accepted, resolved once here (the rule is added for that file).
fn checked_interpreter(named: &Path, readable: &[PathBuf]) -> Result<PathBuf, String> {
    let refuse = |why: &str| {
        format!(
            "the image's interpreter {} {why}: refusing to let the enclave execute it",
            named.display()
        )
    };
    let resolved = std::fs::canonicalize(named).map_err(|e| refuse(&e.to_string()))?;
    let meta = std::fs::metadata(&resolved).map_err(|e| refuse(&e.to_string()))?;
    if !meta.is_file() {
        return Err(refuse("is not a regular file"));
    }
    if !readable
        .iter()
        .any(|dir| resolved.starts_with(dir) && dir.is_dir())
    {
        return Err(refuse("lies outside the library directories"));
    }
    Ok(resolved)
}

/// The ELF interpreter (`PT_INTERP`) a dynamically linked image names.
fn interpreter_of(executable: &[u8]) -> Result<Option<PathBuf>, String> {
    use object::read::elf::{FileHeader, ProgramHeader};
    use std::os::unix::ffi::OsStrExt;
    let bad = |e: object::Error| format!("the enclave image is not an ELF executable: {e}");
    let header = object::elf::FileHeader64::<object::Endianness>::parse(executable).map_err(bad)?;
    let endian = header.endian().map_err(bad)?;
    for segment in header.program_headers(endian, executable).map_err(bad)? {
        if let Some(interp) = segment.interpreter(endian, executable).map_err(bad)? {
            return Ok(Some(PathBuf::from(std::ffi::OsStr::from_bytes(interp))));
        }
    }
    Ok(None)
}

/// The Landlock ruleset for `plan`, as the descriptor the child hands to
/// `landlock_restrict_self`; `None` where the kernel has no Landlock.
pub(super) fn ruleset(plan: &Confinement, paths: &LoaderPaths) -> Result<Option<OwnedFd>, String> {
    if plan.landlock_abi == 0 {
        return Ok(None);
    }
    let abi = ABI::from(plan.landlock_abi.min(NEWEST_KNOWN_ABI) as i32);
    let fail = |e: landlock::RulesetError| format!("Landlock ruleset: {e}");
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(abi))
        .map_err(fail)?;
    if plan.holds(Protection::Tcp) {
        ruleset = ruleset
            .handle_access(AccessNet::from_all(abi))
            .map_err(fail)?;
    }
    if plan.holds(Protection::Signals) {
        ruleset = ruleset.scope(Scope::from_all(abi)).map_err(fail)?;
    }
    let mut created = ruleset.create().map_err(fail)?;
    let open = |path: &Path| {
        PathFd::new(path).map_err(|e| format!("Landlock rule for {}: {e}", path.display()))
    };
    for path in &paths.readable {
        created = created
            .add_rule(PathBeneath::new(open(path)?, AccessFs::ReadFile))
            .map_err(fail)?;
    }
    if let Some(interpreter) = &paths.interpreter {
        created = created
            .add_rule(PathBeneath::new(
                open(interpreter)?,
                AccessFs::Execute | AccessFs::ReadFile,
            ))
            .map_err(fail)?;
    }
    Ok(Option::<OwnedFd>::from(created))
}

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Qword, op, value).map_err(|e| e.to_string())
}

fn condition32(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| e.to_string())
}

/// Rules that match when (32-bit) argument `arg` is one of `values`.
fn any_of(arg: u8, values: &[u64]) -> Result<Vec<SeccompRule>, String> {
    values
        .iter()
        .map(|v| rule(vec![condition32(arg, SeccompCmpOp::Eq, *v)?]))
        .collect()
}

fn arch() -> seccompiler::TargetArch {
    #[cfg(target_arch = "x86_64")]
    return seccompiler::TargetArch::x86_64;
    #[cfg(target_arch = "aarch64")]
    return seccompiler::TargetArch::aarch64;
    #[cfg(target_arch = "riscv64")]
    return seccompiler::TargetArch::riscv64;
}

/// What the loader and the runtime's start may call, unconditionally.
const ALLOWED: &[libc::c_long] = &[
    libc::SYS_read,
    libc::SYS_pread64,
    libc::SYS_close,
    libc::SYS_close_range,
    libc::SYS_openat,
    libc::SYS_fstat,
    libc::SYS_lseek,
    libc::SYS_getdents64,
    libc::SYS_brk,
    libc::SYS_munmap,
    libc::SYS_mremap,
    libc::SYS_madvise,
    libc::SYS_set_tid_address,
    libc::SYS_set_robust_list,
    libc::SYS_rseq,
    libc::SYS_getrandom,
    libc::SYS_ppoll,
    libc::SYS_rt_sigaction,
    libc::SYS_rt_sigprocmask,
    libc::SYS_rt_sigreturn,
    libc::SYS_sigaltstack,
    libc::SYS_sched_getaffinity,
    libc::SYS_sched_yield,
    // Unconditional, so the kernel's seccomp cache lets every call's futex
    // through without running this filter: an argument check here cost
    // each ECALL about 4 % (benchmark). The runtime's filter refuses
    // priority-inheritance operations from `main` on; before, they could
    // only disturb this enclave's own channel, which it can stall anyway.
    libc::SYS_futex,
    libc::SYS_gettid,
    libc::SYS_getpid,
    libc::SYS_getppid,
    libc::SYS_getuid,
    libc::SYS_geteuid,
    libc::SYS_getgid,
    libc::SYS_getegid,
    libc::SYS_clock_gettime,
    libc::SYS_clock_nanosleep,
    libc::SYS_restart_syscall,
    libc::SYS_exit,
    libc::SYS_exit_group,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_arch_prctl,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_poll,
    #[cfg(target_arch = "x86_64")]
    libc::SYS_nanosleep,
];

/// The first filter: an allow-list (everything else fails with `EPERM`)
/// sized for the dynamic loader and the runtime's start. `own_pid` is the
/// child's pid, the only target of `tgkill`.
pub(super) fn first_filter(own_pid: u32) -> Result<BpfProgram, String> {
    use SeccompCmpOp::{Eq, MaskedEq};
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        ALLOWED.iter().map(|s| (*s, Vec::new())).collect();
    let exec = libc::PROT_EXEC as u64;
    let shared = libc::MAP_SHARED as u64;
    let anonymous = libc::MAP_ANONYMOUS as u64;
    rules.insert(
        libc::SYS_mmap,
        vec![
            // Private, not executable: heap, stacks, the loader's data.
            rule(vec![
                condition32(2, MaskedEq(exec), 0)?,
                condition32(3, MaskedEq(shared), 0)?,
            ])?,
            // Private, executable but not writable, from a file other than
            // the channel (whose bytes the enclave can write): the loader's
            // libraries.
            rule(vec![
                condition32(2, MaskedEq(libc::PROT_WRITE as u64), 0)?,
                condition32(3, MaskedEq(shared | anonymous), 0)?,
                condition32(4, SeccompCmpOp::Ne, CHANNEL_FD as u64)?,
            ])?,
            // Shared, not executable: only the channel.
            rule(vec![
                condition32(2, MaskedEq(exec), 0)?,
                condition32(4, Eq, CHANNEL_FD as u64)?,
            ])?,
        ],
    );
    rules.insert(
        libc::SYS_mprotect,
        vec![rule(vec![condition32(2, MaskedEq(exec), 0)?])?],
    );
    // Metadata through descriptors (what the loader asks), with
    // AT_EMPTY_PATH. The filter cannot read the path: one given anyway with
    // that flag is still looked up, so file metadata (never contents) stays
    // visible before `main`; plain `stat` of a path is refused.
    let empty_path = libc::AT_EMPTY_PATH as u64;
    rules.insert(
        libc::SYS_newfstatat,
        vec![rule(vec![condition32(
            3,
            MaskedEq(empty_path),
            empty_path,
        )?])?],
    );
    rules.insert(
        libc::SYS_statx,
        vec![rule(vec![condition32(
            2,
            MaskedEq(empty_path),
            empty_path,
        )?])?],
    );

    // Threads only: a clone without CLONE_THREAD would be a new process.
    let thread = libc::CLONE_THREAD as u64;
    rules.insert(
        libc::SYS_clone,
        vec![rule(vec![condition(0, MaskedEq(thread), thread)?])?],
    );
    // clone3 passes its flags in memory the filter cannot read: it is let
    // through here and answered ENOSYS by [`clone3_filter`], so the C
    // library falls back to clone.
    rules.insert(libc::SYS_clone3, Vec::new());
    // The one exec: the verified image, by descriptor.
    rules.insert(
        libc::SYS_execveat,
        vec![rule(vec![
            condition32(0, Eq, EXE_FD as u64)?,
            condition32(4, Eq, libc::AT_EMPTY_PATH as u64)?,
        ])?],
    );
    let fcntl = [
        libc::F_GETFD,
        libc::F_SETFD,
        libc::F_GETFL,
        libc::F_GET_SEALS,
    ];
    rules.insert(libc::SYS_fcntl, any_of(1, &fcntl.map(|c| c as u64))?);
    // The standard streams, and the child's report of a failed exec (its
    // descriptor lies above the limit: it cannot exist after exec).
    let streams = [1, 2, REPORT_FD as u64];
    rules.insert(libc::SYS_write, any_of(0, &streams)?);
    rules.insert(libc::SYS_writev, any_of(0, &streams)?);
    // Reading any limit; setting only the data limit (the runtime lowers it).
    rules.insert(
        libc::SYS_prlimit64,
        vec![
            rule(vec![condition32(0, Eq, 0)?, condition(2, Eq, 0)?])?,
            rule(vec![
                condition32(0, Eq, 0)?,
                condition32(1, Eq, libc::RLIMIT_DATA as u64)?,
            ])?,
        ],
    );
    let prctl = [
        libc::PR_SET_NO_NEW_PRIVS,
        libc::PR_SET_DUMPABLE,
        libc::PR_GET_DUMPABLE,
        libc::PR_SET_NAME,
        libc::PR_GET_NAME,
        libc::PR_SET_VMA,
    ];
    rules.insert(libc::SYS_prctl, any_of(0, &prctl.map(|o| o as u64))?);
    rules.insert(
        libc::SYS_seccomp,
        vec![rule(vec![condition32(
            0,
            Eq,
            libc::SECCOMP_SET_MODE_FILTER as u64,
        )?])?],
    );
    // Pinning switchless workers: the calling thread only.
    rules.insert(
        libc::SYS_sched_setaffinity,
        vec![rule(vec![condition32(0, Eq, 0)?])?],
    );
    rules.insert(
        libc::SYS_tgkill,
        vec![rule(vec![condition32(0, Eq, u64::from(own_pid))?])?],
    );
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch(),
    )
    .map_err(|e| e.to_string())?;
    BpfProgram::try_from(filter).map_err(|e| e.to_string())
}

/// Answers `clone3` with ENOSYS (see [`first_filter`]).
pub(super) fn clone3_filter() -> Result<BpfProgram, String> {
    let rules = BTreeMap::from([(libc::SYS_clone3, Vec::new())]);
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch(),
    )
    .map_err(|e| e.to_string())?;
    BpfProgram::try_from(filter).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_follows_the_landlock_abi() {
        use Protection::*;
        let base = [
            NoNewPrivileges,
            NoCapabilities,
            ParentDeathSignal,
            SyscallFilter,
        ];
        assert_eq!(Confinement::plan(0).protections, base);
        for abi in 1..=3 {
            assert_eq!(
                Confinement::plan(abi).protections,
                [&base[..], &[Filesystem]].concat()
            );
        }
        for abi in 4..=5 {
            assert_eq!(
                Confinement::plan(abi).protections,
                [&base[..], &[Filesystem, Tcp]].concat()
            );
        }
        for abi in [6, 7, 8] {
            assert_eq!(
                Confinement::plan(abi).protections,
                [&base[..], &[Filesystem, Tcp, Signals, AbstractUnixSockets]].concat()
            );
        }
        assert!(
            Confinement::plan(7)
                .protections
                .iter()
                .all(|p| p.from_first_instruction())
        );
        assert!(!RuntimeSandbox.from_first_instruction());
    }

    #[test]
    fn without_filesystem_confinement_creation_is_refused_unless_accepted() {
        let none = Confinement::plan(0);
        let refusal = none.check(SimConfinement::Required).expect_err("refused");
        assert!(refusal.contains("Landlock"), "{refusal}");
        assert!(
            none.check(SimConfinement::AllowUnconfinedFilesystem)
                .is_ok()
        );
        assert!(Confinement::plan(1).check(SimConfinement::Required).is_ok());
    }

    #[test]
    fn a_secret_directory_under_a_library_path_is_refused() {
        let exe = std::fs::read("/proc/self/exe").expect("own image");
        let paths = LoaderPaths::for_image(&exe, &[Path::new("/tmp")]).expect("paths");
        assert!(
            paths.interpreter.is_some(),
            "a test binary is dynamically linked"
        );
        assert!(paths.readable.iter().any(|p| p.ends_with("lib")));
        let refused = LoaderPaths::for_image(&exe, &[Path::new("/usr/lib/secgear-state")]);
        assert!(refused.is_err_and(|e| e.contains("/usr/lib")));
        assert!(LoaderPaths::for_image(b"not an elf", &[]).is_err());
    }

    #[test]
    fn only_a_library_file_may_be_the_interpreter() {
        let readable: Vec<PathBuf> = ["/usr/lib", "/lib64"]
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let loader = std::fs::canonicalize("/lib64/ld-linux-x86-64.so.2")
            .or_else(|_| std::fs::canonicalize("/lib/ld-linux-aarch64.so.1"))
            .expect("this machine's loader");
        assert_eq!(
            checked_interpreter(&loader, &readable).expect("the loader"),
            loader
        );
        for other in [
            "/bin/sh",
            "/etc/hostname",
            "/proc/self/exe",
            "/usr/lib",
            "/nonexistent",
        ] {
            assert!(
                checked_interpreter(Path::new(other), &readable).is_err(),
                "{other}"
            );
        }
    }

    #[test]
    fn the_filters_compile() {
        assert!(!first_filter(4242).expect("first filter").is_empty());
        assert!(!clone3_filter().expect("clone3 filter").is_empty());
    }
}
