//! Loading an enclave on the simulation TEE: verify the signed image, check
//! it against what the caller expects, and start it as a sandboxed child
//! process that holds nothing but its channel.

use super::SimEnclave;
use super::confine::{self, Confinement, LoaderPaths, Protection, SimConfinement};
use super::platform::{Identity, SimPlatform};
use secgear_abi::{Error, ErrorCode};
use secgear_sign::{SignError, SignedImage};
use secgear_sim::channel::{Channel, ready};
use std::ffi::CString;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub(crate) struct LoadOptions {
    pub debug: bool,
    pub threads: Option<u32>,
    pub max_message: usize,
    pub expected_signer: Option<[u8; 32]>,
    pub expected_measurement: Option<[u8; 32]>,
    pub platform: Arc<SimPlatform>,
    pub start_timeout: Duration,
    pub switchless: Option<crate::switchless::SwitchlessConfig>,
    /// Serves switchless OCALLs on host workers.
    pub ocalls: Arc<dyn secgear_abi::OcallDispatch>,
    pub confinement: SimConfinement,
}

fn refuse(code: ErrorCode, detail: String) -> Error {
    Error::new(code, detail)
}

/// Reads and verifies a signed image.
pub(crate) fn verify_image(path: &Path) -> Result<SignedImage, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        refuse(
            ErrorCode::InvalidPath,
            format!("cannot read enclave image {}: {e}", path.display()),
        )
    })?;
    secgear_sign::verify(&bytes).map_err(|e| {
        let code = match e {
            SignError::Unsigned | SignError::Malformed(_) => ErrorCode::InvalidEnclave,
            _ => ErrorCode::SignatureInvalid,
        };
        refuse(
            code,
            format!("refusing enclave image {}: {e}", path.display()),
        )
    })
}

/// Creates the enclave: returns it with the verified image's identity and
/// what confines it.
pub(crate) fn create(
    path: &Path,
    options: LoadOptions,
) -> Result<(SimEnclave, SignedImage, Confinement), Error> {
    let image = verify_image(path)?;
    if let Some(signer) = options.expected_signer.filter(|s| *s != image.signer_id) {
        return Err(refuse(
            ErrorCode::SignatureInvalid,
            format!(
                "enclave signed by {}, expected {}",
                hex(&image.signer_id),
                hex(&signer)
            ),
        ));
    }
    if let Some(m) = options
        .expected_measurement
        .filter(|m| *m != image.measurement)
    {
        return Err(refuse(
            ErrorCode::InvalidEnclave,
            format!(
                "enclave measurement is {}, expected {}",
                hex(&image.measurement),
                hex(&m)
            ),
        ));
    }
    if options.debug && !image.config.debug {
        return Err(refuse(
            ErrorCode::NdebugEnclave,
            "the enclave is signed as non-debug and cannot run in debug mode".into(),
        ));
    }
    let threads = options.threads.unwrap_or(image.config.threads);
    if threads == 0 || threads > image.config.threads {
        return Err(Error::bad_parameters(format!(
            "threads({threads}) must be between 1 and the {} the enclave was signed for",
            image.config.threads
        )));
    }
    let channel = Arc::new(
        Channel::create_with_pool(
            threads as usize,
            options.max_message,
            options
                .switchless
                .as_ref()
                .map(|cfg| switchless_layout(cfg, options.ocalls.has_switchless())),
        )
        .map_err(|e| {
            refuse(
                ErrorCode::OutOfMemory,
                format!("cannot create the enclave channel: {e}"),
            )
        })?,
    );
    let mut confinement = Confinement::plan(super::spawn::landlock_abi());
    confinement
        .check(options.confinement)
        .map_err(|e| refuse(ErrorCode::NotSupported, e))?;
    if !confinement.holds(Protection::Filesystem) {
        tracing::warn!(
            target: "secgear::sim",
            "the kernel offers no Landlock: enclave code can read this user's files before its runtime starts"
        );
    }
    let paths = LoaderPaths::for_image(&image.executable, &[options.platform.dir()])
        .map_err(|e| refuse(ErrorCode::InvalidEnclave, e))?;
    let dead = Arc::new(AtomicBool::new(false));
    let exit = Arc::new(OnceLock::new());
    let (pid, pidfd, monitor) = start_process(
        &image,
        &channel,
        options.debug,
        &confinement,
        &paths,
        &dead,
        &exit,
    )?;
    let identity = Identity {
        measurement: image.measurement,
        signer_id: image.signer_id,
        product_id: image.config.product_id,
        svn: image.config.security_version,
        debug: options.debug,
    };
    let enclave = SimEnclave {
        retired: super::Retired::new(threads as usize),
        channel,
        platform: options.platform,
        identity,
        dead,
        exit,
        pid,
        pidfd,
        monitor: Mutex::new(Some(monitor)),
        switchless: options.switchless.as_ref().map(super::SwitchlessState::new),
        host_workers: Mutex::new(Vec::new()),
        details: None,
    };
    let deadline = Instant::now() + options.start_timeout;
    loop {
        match enclave.channel.wait_ready(Duration::from_millis(50)) {
            ready::SERVING => {
                start_host_workers(&enclave, options.switchless.as_ref(), &options.ocalls)?;
                // Any image can say it is serving; the kernel says whether
                // the runtime's filter went on top of the host's.
                if seccomp_filters(enclave.process_id()) > Some(super::spawn::HOST_FILTERS) {
                    confinement.protections.push(Protection::RuntimeSandbox);
                }
                tracing::info!(
                    target: "secgear::sim",
                    pid = enclave.process_id(),
                    landlock_abi = confinement.landlock_abi,
                    protections = %confinement.describe(),
                    "enclave confined"
                );
                return Ok((enclave, image, confinement));
            }
            ready::FAILED => break,
            _ if enclave.dead.load(Ordering::Acquire) => break,
            _ if Instant::now() >= deadline => {
                return Err(refuse(
                    ErrorCode::Timeout,
                    "the enclave did not start in time".into(),
                ));
            }
            _ => {}
        }
    }
    // The monitor records the exit as soon as it reaps the process.
    let waited = Instant::now();
    while enclave.exit.get().is_none() && waited.elapsed() < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let exit = enclave
        .exit
        .get()
        .map_or_else(|| "exited".to_string(), Clone::clone);
    let note = match enclave.channel.death_note() {
        Some(note) => format!("{note} (the enclave process {exit} while starting)"),
        None => format!("the enclave process {exit} while starting"),
    };
    Err(refuse(ErrorCode::EnclaveLost, note))
}

/// How many seccomp filters the kernel reports for process `pid`.
fn seccomp_filters(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp_filters:"))?
        .trim()
        .parse()
        .ok()
}

/// The pools and arena for `cfg`. The OCALL pool exists only when the EDL
/// has switchless OCALLs and host workers are asked for.
fn switchless_layout(
    cfg: &crate::switchless::SwitchlessConfig,
    switchless_ocalls: bool,
) -> secgear_sim::channel::SwitchlessLayout {
    let pool = |workers: u32, cores: u64| secgear_sim::channel::PoolLayout {
        tasks: cfg.tasks(),
        task_capacity: crate::switchless::TASK_CAPACITY,
        tworkers: workers,
        policy: match cfg.workers_policy {
            crate::switchless::WorkersPolicy::Busy => 0,
            crate::switchless::WorkersPolicy::Wakeup => 1,
        },
        sleep_after_us: cfg.retries_before_sleep,
        cores,
        fallback_us: cfg.retries_before_fallback,
    };
    secgear_sim::channel::SwitchlessLayout {
        ecalls: pool(cfg.num_tworkers, cfg.cores_mask()),
        ocalls: (switchless_ocalls && cfg.num_uworkers > 0).then(|| pool(cfg.num_uworkers, 0)),
        arena: cfg.shared_memory,
    }
}

fn start_host_workers(
    enclave: &SimEnclave,
    cfg: Option<&crate::switchless::SwitchlessConfig>,
    ocalls: &Arc<dyn secgear_abi::OcallDispatch>,
) -> Result<(), Error> {
    let (Some(cfg), Some(sl)) = (cfg, enclave.switchless.as_ref()) else {
        return Ok(());
    };
    if enclave.channel.ocall_pool().is_none() {
        return Ok(());
    }
    let mut workers = enclave
        .host_workers
        .lock()
        .map_err(|_| refuse(ErrorCode::BadState, "poisoned".into()))?;
    // From the host's configuration, never from the pool header the enclave can write.
    let settings = secgear_sim::channel::WorkerSettings {
        workers: cfg.num_uworkers,
        wakeup: cfg.workers_policy == crate::switchless::WorkersPolicy::Wakeup,
        sleep_after: std::time::Duration::from_micros(cfg.retries_before_sleep.into()),
        cores: 0,
    };
    for n in 0..cfg.num_uworkers {
        let (channel, ocalls) = (enclave.channel.clone(), ocalls.clone());
        let (dead, served) = (enclave.dead.clone(), sl.ocalls_served.clone());
        let worker = std::thread::Builder::new()
            .name(format!("secgear-uworker-{n}"))
            .spawn(move || {
                super::switchless::serve_ocall_pool(channel, settings, ocalls, dead, served)
            })
            .map_err(|e| {
                refuse(
                    ErrorCode::OutOfMemory,
                    format!("cannot start a switchless host worker: {e}"),
                )
            })?;
        workers.push(worker);
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts the verified executable from a memfd (the exact bytes that were
/// verified, not a path that could change) with an empty environment, no
/// standard input or output, the channel at descriptor 3, and confined as
/// `confinement` says from its first instruction. The process is started by
/// its monitor thread, which lives exactly as long as the process: the
/// parent-death signal follows the thread that forked, not the process.
fn start_process(
    image: &SignedImage,
    channel: &Arc<Channel>,
    debug: bool,
    confinement: &Confinement,
    paths: &LoaderPaths,
    dead: &Arc<AtomicBool>,
    exit: &Arc<OnceLock<String>>,
) -> Result<(rustix::process::Pid, OwnedFd, std::thread::JoinHandle<()>), Error> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| refuse(ErrorCode::Generic, format!("{what}: {e}"));
    // MFD_EXEC where the kernel knows it (hardened kernels refuse to
    // execute memfds created without it); older kernels reject the flag.
    let exe = rustix::fs::memfd_create(
        "secgear-enclave",
        rustix::fs::MemfdFlags::CLOEXEC | rustix::fs::MemfdFlags::EXEC,
    )
    .or_else(|_| rustix::fs::memfd_create("secgear-enclave", rustix::fs::MemfdFlags::CLOEXEC))
    .map_err(|e| fail("memfd", &e))?;
    write_all(&exe, &image.executable).map_err(|e| fail("writing the enclave image", &e))?;
    let null = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| fail("/dev/null", &e))?;
    // A debug enclave keeps stderr until it closes it on entering the
    // sandbox, so failures before then are visible.
    let stderr = if debug {
        rustix::io::fcntl_dupfd_cloexec(std::io::stderr().as_fd(), 3)
            .map_err(|e| fail("dup stderr", &e))?
    } else {
        null.try_clone().map_err(|e| fail("dup", &e))?
    };
    let ruleset = confine::ruleset(confinement, paths).map_err(|e| fail("confinement", &e))?;
    let argv = [
        "secgear-enclave".to_string(),
        if debug { "debug" } else { "production" }.to_string(),
        image.config.heap_limit.to_string(),
        std::process::id().to_string(),
    ]
    .into_iter()
    .map(|a| CString::new(a).map_err(|e| fail("argument", &e)))
    .collect::<Result<Vec<_>, _>>()?;
    let (started_tx, started_rx) = std::sync::mpsc::sync_channel(1);
    let (channel, dead, exit) = (channel.clone(), dead.clone(), exit.clone());
    let monitor = std::thread::Builder::new()
        .name("secgear-sim-monitor".into())
        .spawn(move || {
            let prepared = super::spawn::Prepared {
                exe: exe.as_fd(),
                channel: channel.fd(),
                stderr: stderr.as_fd(),
                null: null.as_fd(),
                ruleset: ruleset.as_ref().map(AsFd::as_fd),
                argv: &argv,
            };
            let programs = |pid| {
                Ok(super::spawn::Programs {
                    clone3: confine::clone3_filter()?,
                    allow_list: confine::first_filter(pid)?,
                })
            };
            let pid = match super::spawn::spawn(&prepared, programs) {
                Ok(pid) => pid,
                Err(e) => {
                    let _ = started_tx.send(Err(e));
                    return;
                }
            };
            drop((exe, stderr, null, ruleset));
            // Opened before this thread reaps the child, so it names it alone.
            let pidfd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
                .map_err(|e| format!("pidfd_open: {e}"));
            let opened = pidfd.is_ok();
            let _ = started_tx.send(pidfd.map(|fd| (pid, fd)));
            if !opened {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            let status = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
            let _ = exit.set(describe_exit(status));
            dead.store(true, Ordering::Release);
            channel.wake_everyone();
            tracing::debug!(target: "secgear::sim", ?status, "enclave process exited");
        })
        .map_err(|e| {
            refuse(
                ErrorCode::OutOfMemory,
                format!("cannot start the enclave monitor: {e}"),
            )
        })?;
    match started_rx.recv() {
        Ok(Ok((pid, pidfd))) => Ok((pid, pidfd, monitor)),
        Ok(Err(e)) => {
            let _ = monitor.join();
            Err(refuse(ErrorCode::Generic, e))
        }
        Err(_) => {
            let _ = monitor.join();
            Err(refuse(
                ErrorCode::Generic,
                "the enclave monitor ended before starting the enclave".into(),
            ))
        }
    }
}

fn describe_exit(
    status: rustix::io::Result<Option<(rustix::process::Pid, rustix::process::WaitStatus)>>,
) -> String {
    match status {
        Ok(Some((_, status))) => {
            if let Some(code) = status.exit_status() {
                format!("exited with status {code}")
            } else if let Some(signal) = status.terminating_signal() {
                format!("was killed by signal {signal}")
            } else {
                "ended".into()
            }
        }
        Ok(None) => "ended".into(),
        Err(e) => format!("could not be waited for ({e})"),
    }
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = rustix::io::write(fd, bytes)?;
        bytes = &bytes[n..];
    }
    Ok(())
}
