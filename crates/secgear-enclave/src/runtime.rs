//! The enclave process: attach the channel, sandbox itself, serve one slot
//! per thread, and carry OCALLs (and ECALLs nested in them) over the slot of
//! the ECALL in progress.

use crate::sandbox;
use secgear_abi::{EcallContext, Error, ErrorCode, FunctionInfo, Reader, Transport, Writer};
use secgear_sim::channel::{Channel, FreeTasks, RESULT_SPIN, Slot, state};
use std::cell::RefCell;
use std::sync::{Arc, Barrier, OnceLock};

/// Worker threads run user code; give them room for fixed-size buffers
/// (each parameter's is at most 1 MiB).
pub(crate) const WORKER_STACK: usize = 8 << 20;

#[derive(Debug, Clone, Copy)]
enum SlotRef {
    Call(usize),
    Task(usize),
}

impl SlotRef {
    fn resolve(self, channel: &Channel) -> Option<Slot<'_>> {
        match self {
            SlotRef::Call(i) => channel.slot(i),
            SlotRef::Task(i) => channel.pool()?.task(i),
        }
    }
}

type Dispatch<E> = fn(&E, &EcallContext<'_>, &[u8]) -> Vec<u8>;
type NestedServer = Box<dyn Fn(&[u8], Option<&FunctionInfo>) -> Vec<u8>>;

/// What every worker shares.
struct Shared<E> {
    channel: &'static Channel,
    implementation: E,
    dispatch: Dispatch<E>,
}

/// How often an idle enclave thread checks that its host is still there.
const ORPHAN_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// The host's pid, from the loader: a different parent means the host died
/// (the enclave was re-parented) and the enclave must end too. Taken from
/// the loader rather than read at start, when the host may already be gone.
static HOST_PID: OnceLock<Option<rustix::process::Pid>> = OnceLock::new();

fn orphaned() -> bool {
    HOST_PID
        .get()
        .is_some_and(|host| rustix::process::getppid() != *host)
}

/// The channel, for the panic hook and the OCALL transport of any thread.
static CHANNEL: OnceLock<&'static Channel> = OnceLock::new();

pub(crate) fn channel() -> Option<&'static Channel> {
    CHANNEL.get().copied()
}

thread_local! {
            /// The slot this thread serves: a call slot, or a switchless task.
    static CURRENT: RefCell<Option<SlotRef>> = const { RefCell::new(None) };
    /// How this thread serves an ECALL nested in one of its OCALLs.
    static NESTED: RefCell<Option<NestedServer>> = RefCell::new(None);
}

/// Arguments the loader passes: `<debug|production> <heap limit> <host pid>`.
struct LaunchArgs {
    debug: bool,
    heap_limit: u64,
    host_pid: i32,
}

fn launch_args() -> Option<LaunchArgs> {
    let mut args = std::env::args().skip(1);
    let debug = match args.next()?.as_str() {
        "debug" => true,
        "production" => false,
        _ => return None,
    };
    let heap_limit = args.next()?.parse().ok()?;
    let host_pid = args.next()?.parse().ok()?;
    Some(LaunchArgs {
        debug,
        heap_limit,
        host_pid,
    })
}

/// Runs the enclave; never returns. Use [`entry!`](crate::entry).
pub fn run<E: Send + Sync + 'static>(
    implementation: E,
    dispatch: Dispatch<E>,
    ocalls: &'static [FunctionInfo],
) -> ! {
    let Some(args) = launch_args() else {
        eprintln!(
            "this is a secgear-rs enclave image: load it with secgear_host::Enclave, do not run it directly"
        );
        std::process::exit(2);
    };
    let channel = match sandbox::take_channel() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("enclave: no usable channel: {e}");
            std::process::exit(2);
        }
    };
    let _ = HOST_PID.set(rustix::process::Pid::from_raw(args.host_pid));
    let channel: &'static Channel = Box::leak(Box::new(channel));
    let _ = CHANNEL.set(channel);
    install_panic_hook();
    set_ocall_table(ocalls);
    let shared: &'static Shared<E> = Box::leak(Box::new(Shared {
        channel,
        implementation,
        dispatch,
    }));
    let slots = shared.channel.slot_count();
    let pool_workers = shared
        .channel
        .pool()
        .map_or(0, |p| p.settings().workers as usize);
    // Workers finish starting (stacks, signal stacks) before the sandbox and
    // memory limit go up, and run user code only after.
    let started = Arc::new(Barrier::new(slots + pool_workers + 1));
    let sandboxed = Arc::new(Barrier::new(slots + pool_workers + 1));
    let mut workers = Vec::with_capacity(slots + pool_workers);
    let mut spawn = |name: String, prepare: fn(&Channel), serve: Box<dyn FnOnce() + Send>| {
        let (started, sandboxed) = (started.clone(), sandboxed.clone());
        let spawned = std::thread::Builder::new()
            .name(name)
            .stack_size(WORKER_STACK)
            .spawn(move || {
                // What needs system calls the sandbox forbids happens first.
                prepare(shared.channel);
                started.wait();
                sandboxed.wait();
                serve();
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(e) => fail(channel, &format!("cannot start worker thread: {e}")),
        }
    };
    for index in 0..slots {
        spawn(
            format!("tcs-{index}"),
            |_| {},
            Box::new(move || serve_slot(shared, index)),
        );
    }
    for worker in 0..pool_workers {
        spawn(
            format!("switchless-{worker}"),
            pin_to_cores,
            Box::new(move || serve_pool(shared)),
        );
    }
    crate::logging::install();
    started.wait();
    if let Err(e) = sandbox::enter(args.debug, args.heap_limit, slots) {
        fail(channel, &format!("cannot enter the sandbox: {e}"));
    }
    sandboxed.wait();
    channel.set_ready(secgear_sim::channel::ready::SERVING);
    for w in workers {
        let _ = w.join();
    }
    std::process::exit(0);
}

fn fail(channel: &Channel, message: &str) -> ! {
    channel.write_death_note(message);
    channel.set_ready(secgear_sim::channel::ready::FAILED);
    std::process::exit(3);
}

/// A panic in enclave code leaves the enclave in an unknown state: like a
/// hardware enclave fault, it ends the enclave. The message goes to the host.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if let Some(channel) = CHANNEL.get() {
            let thread = std::thread::current();
            channel.write_death_note(&format!(
                "enclave thread '{}' {info}",
                thread.name().unwrap_or("?")
            ));
            channel.wake_everyone();
        }
        std::process::exit(101);
    }));
}

fn serve_slot<E: Send + Sync + 'static>(shared: &'static Shared<E>, index: usize) {
    let Some(slot) = shared.channel.slot(index) else {
        return;
    };
    CURRENT.with(|c| *c.borrow_mut() = Some(SlotRef::Call(index)));
    NESTED.with(|n| {
        *n.borrow_mut() = Some(Box::new(move |request, active| {
            let ctx = EcallContext {
                active_ocall: active,
            };
            (shared.dispatch)(&shared.implementation, &ctx, request)
        }))
    });
    loop {
        if shared.channel.shutdown_requested() {
            return;
        }
        if slot
            .wait_for(|s| s == state::ECALL, Some(ORPHAN_POLL))
            .is_none()
        {
            if orphaned() {
                std::process::exit(4);
            }
            continue;
        }
        let reply = match slot.accept() {
            Ok(request) => serve_top_level(shared, &request),
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        slot.post_or_error(state::ECALL_DONE, &reply);
    }
}

/// A call straight from the host: a built-in call of the runtime, or one of
/// the EDL's ECALLs.
fn serve_top_level<E: Send + Sync + 'static>(
    shared: &'static Shared<E>,
    request: &[u8],
) -> Vec<u8> {
    match Reader::request(request) {
        Ok((header, _)) if header.kind == secgear_abi::CallKind::Builtin => {
            crate::builtin::serve(header.function_id, request)
        }
        _ => (shared.dispatch)(&shared.implementation, &EcallContext::TOP_LEVEL, request),
    }
}

/// Restricts this thread to the cores the host asked for (before the sandbox).
fn pin_to_cores(channel: &Channel) {
    let Some(cores) = channel.pool().map(|p| p.settings().cores) else {
        return;
    };
    if cores == 0 {
        return;
    }
    let mut set = rustix::thread::CpuSet::new();
    for core in (0..64).filter(|c| cores & (1u64 << c) != 0) {
        set.set(core);
    }
    // Affinity is a performance hint: a refused one leaves the thread free to run anywhere.
    let _ = rustix::thread::sched_setaffinity(None, &set);
}

/// A switchless worker: serves the ECALLs the host publishes in the pool.
fn serve_pool<E: Send + Sync + 'static>(shared: &'static Shared<E>) {
    let Some(pool) = shared.channel.pool() else {
        return;
    };
    let stop = || {
        if orphaned() {
            std::process::exit(4);
        }
        shared.channel.shutdown_requested()
    };
    pool.run_worker(pool.settings(), stop, ORPHAN_POLL, |index| {
        let Some(task) = pool.task(index) else {
            return;
        };
        CURRENT.with(|c| *c.borrow_mut() = Some(SlotRef::Task(index)));
        let reply = match task.accept() {
            Ok(request) => {
                (shared.dispatch)(&shared.implementation, &EcallContext::TOP_LEVEL, &request)
            }
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        CURRENT.with(|c| *c.borrow_mut() = None);
        task.post_or_error(state::ECALL_DONE, &reply);
    });
}

/// Carries the enclave's OCALLs (and platform calls) to the host over the
/// slot of the ECALL this thread is serving.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostTransport;

/// The transport for the generated `OcallClient`: `edl::OcallClient::new(secgear_enclave::host())`.
pub fn host() -> HostTransport {
    HostTransport
}

/// Tasks of the switchless OCALL pool this enclave is not using.
static OCALL_TASKS: OnceLock<FreeTasks> = OnceLock::new();

/// Hands an OCALL to the host's workers; `None` when it must take the normal
/// path (no pool, too large, pool full, or no worker took it in time).
fn switchless_ocall(request: &[u8]) -> Option<Result<Vec<u8>, Error>> {
    let channel = CHANNEL.get()?;
    let pool = channel.ocall_pool()?;
    CURRENT.with(|c| *c.borrow())?;
    let tasks = OCALL_TASKS.get_or_init(|| FreeTasks::new(pool.tasks()));
    let index = if request.len() <= pool.task_capacity() {
        tasks.take()
    } else {
        None
    };
    let Some((index, task)) = index.and_then(|i| Some((i, pool.task(i)?))) else {
        pool.count_fallback();
        return None;
    };
    if task.begin(state::ECALL, request).is_err() {
        tasks.release(index);
        pool.count_fallback();
        return None;
    }
    pool.publish(index);
    if !pool.await_claim(index, pool.fallback_budget()) {
        tasks.release(index);
        pool.count_fallback();
        return None;
    }
    let done = |s| s == state::ECALL_DONE;
    if task.spin_for(done, RESULT_SPIN).is_none() {
        while task.wait_for(done, Some(ORPHAN_POLL)).is_none() {
            if orphaned() {
                std::process::exit(4);
            }
            if channel.shutdown_requested() {
                // The task stays taken: a host worker may still answer it.
                return Some(Err(Error::new(
                    ErrorCode::EnclaveLost,
                    "the host is shutting the enclave down",
                )));
            }
        }
    }
    let reply = task
        .take_message()
        .map_err(|e| Error::malformed(e.to_string()));
    tasks.release(index);
    Some(reply)
}

impl Transport for HostTransport {
    fn call_switchless(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        switchless_ocall(&request).unwrap_or_else(|| self.call(request))
    }

    fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        let channel = CHANNEL
            .get()
            .ok_or_else(|| Error::new(ErrorCode::BadState, "no enclave runtime"))?;
        let current = CURRENT.with(|c| *c.borrow()).ok_or_else(|| {
            Error::new(
                ErrorCode::OcallNotAllowed,
                "OCALLs can only be made while serving an ECALL",
            )
        })?;
        let slot = current
            .resolve(channel)
            .ok_or_else(|| Error::new(ErrorCode::BadState, "slot vanished"))?;
        let info = ocall_info(&request);
        slot.post(state::OCALL, &request)
            .map_err(|e| Error::new(ErrorCode::ExcessData, e.to_string()))?;
        loop {
            if channel.shutdown_requested() {
                return Err(Error::new(
                    ErrorCode::EnclaveLost,
                    "the host is shutting the enclave down",
                ));
            }
            match slot.wait_for(
                |s| s == state::OCALL_DONE || s == state::ECALL,
                Some(ORPHAN_POLL),
            ) {
                Some(state::OCALL_DONE) => {
                    return slot
                        .take_message()
                        .map_err(|e| Error::malformed(e.to_string()));
                }
                Some(_) => {
                    // The host made an ECALL from inside this OCALL.
                    let reply = match slot.accept() {
                        Ok(nested) => serve_nested(&nested, info),
                        Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
                    };
                    slot.post_or_error(state::ECALL_DONE, &reply);
                }
                None if orphaned() => std::process::exit(4),
                None => {}
            }
        }
    }
}

/// The table entry of an OCALL request, for `allow(...)` checks of ECALLs
/// nested in it. Platform calls have none.
fn ocall_info(request: &[u8]) -> Option<&'static FunctionInfo> {
    let (header, _) = Reader::request(request).ok()?;
    if header.kind != secgear_abi::CallKind::Ocall {
        return None;
    }
    let table = OCALL_TABLE.get()?;
    table.get(header.function_id as usize)
}

static OCALL_TABLE: OnceLock<&'static [FunctionInfo]> = OnceLock::new();

fn serve_nested(request: &[u8], active: Option<&'static FunctionInfo>) -> Vec<u8> {
    NESTED.with(|n| match n.borrow().as_ref() {
        Some(serve) => serve(request, active),
        None => Writer::error_reply(&Error::new(
            ErrorCode::BadState,
            "no dispatcher on this thread",
        )),
    })
}

pub(crate) fn set_ocall_table(table: &'static [FunctionInfo]) {
    let _ = OCALL_TABLE.set(table);
}
