//! Loading an enclave on the simulation TEE: verify the signed image, check
//! it against what the caller expects, and start it as a sandboxed child
//! process that holds nothing but its channel.

use super::SimEnclave;
use super::platform::{Identity, SimPlatform};
use secgear_abi::{Error, ErrorCode};
use secgear_sign::{SignError, SignedImage};
use secgear_sim::CHANNEL_FD;
use secgear_sim::channel::{Channel, ready};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) struct LoadOptions {
    pub debug: bool,
    pub threads: Option<u32>,
    pub max_message: usize,
    pub expected_signer: Option<[u8; 32]>,
    pub expected_measurement: Option<[u8; 32]>,
    pub platform: Arc<SimPlatform>,
    pub start_timeout: Duration,
    pub switchless: Option<crate::SwitchlessConfig>,
    /// Serves switchless OCALLs on host workers.
    pub ocalls: Arc<dyn secgear_abi::OcallDispatch>,
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

/// Creates the enclave: returns it with the verified image's identity.
pub(crate) fn create(
    path: &Path,
    options: LoadOptions,
) -> Result<(SimEnclave, SignedImage), Error> {
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
    let mut child = spawn(&image, &channel, options.debug)?;
    let pid = rustix::process::Pid::from_raw(child.id() as i32)
        .ok_or_else(|| refuse(ErrorCode::Unexpected, "child has no pid".into()))?;
    // Opened before anything reaps the child, so it names this process only.
    let pidfd = match rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(refuse(ErrorCode::Generic, format!("pidfd_open: {e}")));
        }
    };
    let dead = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (dead, channel) = (dead.clone(), channel.clone());
        std::thread::Builder::new()
            .name("secgear-sim-monitor".into())
            .spawn(move || {
                let status = child.wait();
                dead.store(true, Ordering::Release);
                channel.wake_everyone();
                tracing::debug!(target: "secgear::sim", ?status, "enclave process exited");
            })
            .map_err(|e| {
                refuse(
                    ErrorCode::OutOfMemory,
                    format!("cannot start the enclave monitor: {e}"),
                )
            })?
    };
    let identity = Identity {
        measurement: image.measurement,
        signer_id: image.signer_id,
        product_id: image.config.product_id,
        svn: image.config.security_version,
        debug: options.debug,
    };
    let enclave = SimEnclave {
        channel,
        platform: options.platform,
        identity,
        dead,
        pid,
        pidfd,
        monitor: Mutex::new(Some(monitor)),
        switchless: options.switchless.as_ref().map(super::SwitchlessState::new),
        host_workers: Mutex::new(Vec::new()),
    };
    let deadline = Instant::now() + options.start_timeout;
    loop {
        match enclave.channel.wait_ready(Duration::from_millis(50)) {
            ready::SERVING => {
                start_host_workers(&enclave, options.switchless.as_ref(), &options.ocalls)?;
                return Ok((enclave, image));
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
    let note = enclave
        .channel
        .death_note()
        .unwrap_or_else(|| "the enclave process exited while starting".into());
    Err(refuse(ErrorCode::EnclaveLost, note))
}

/// The pools and arena for `cfg`. The OCALL pool exists only when the EDL
/// has switchless OCALLs and host workers are asked for.
fn switchless_layout(
    cfg: &crate::SwitchlessConfig,
    switchless_ocalls: bool,
) -> secgear_sim::channel::SwitchlessLayout {
    let pool = |workers: u32, cores: u64| secgear_sim::channel::PoolLayout {
        tasks: cfg.tasks(),
        task_capacity: crate::switchless::TASK_CAPACITY,
        tworkers: workers,
        policy: match cfg.workers_policy {
            crate::WorkersPolicy::Busy => 0,
            crate::WorkersPolicy::Wakeup => 1,
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
    cfg: Option<&crate::SwitchlessConfig>,
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
        wakeup: cfg.workers_policy == crate::WorkersPolicy::Wakeup,
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
/// verified, not a path that could change), with an empty environment, no
/// standard input or output, and the channel at descriptor 3.
fn spawn(
    image: &SignedImage,
    channel: &Channel,
    debug: bool,
) -> Result<std::process::Child, Error> {
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
    // A high number, so placing the channel at 3 cannot overwrite it.
    let exe: OwnedFd = rustix::io::fcntl_dupfd_cloexec(&exe, 16).map_err(|e| fail("dup", &e))?;
    write_all(&exe, &image.executable).map_err(|e| fail("writing the enclave image", &e))?;
    let channel_fd = channel.fd().as_raw_fd();
    let exe_fd = exe.as_raw_fd() as u32;
    let mut command = Command::new(format!("/proc/self/fd/{}", exe.as_raw_fd()));
    command
        .arg0("secgear-enclave")
        .arg(if debug { "debug" } else { "production" })
        .arg(image.config.heap_limit.to_string())
        .arg(std::process::id().to_string())
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        // A debug enclave keeps stderr until it closes it on entering the
        // sandbox, so failures before then are visible.
        .stderr(if debug {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (dup2/fcntl/close_range) on descriptor
    // numbers: it places the channel at CHANNEL_FD without close-on-exec and
    // closes every other inherited descriptor except the image to execute.
    unsafe {
        command.pre_exec(move || {
            let rc = if channel_fd == CHANNEL_FD {
                libc::fcntl(CHANNEL_FD, libc::F_SETFD, 0)
            } else {
                libc::dup2(channel_fd, CHANNEL_FD)
            };
            if rc < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let first = CHANNEL_FD as u32 + 1;
            libc::syscall(libc::SYS_close_range, first, exe_fd - 1, 0u32);
            libc::syscall(libc::SYS_close_range, exe_fd + 1, u32::MAX, 0u32);
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| fail("cannot start the enclave process", &e))?;
    drop(exe);
    Ok(child)
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = rustix::io::write(fd, bytes)?;
        bytes = &bytes[n..];
    }
    Ok(())
}
