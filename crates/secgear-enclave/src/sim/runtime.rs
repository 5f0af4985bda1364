//! The enclave process: attach the channel, sandbox itself, serve one slot
//! per thread, and carry OCALLs (and ECALLs nested in them) over the slot of
//! the ECALL in progress.

use super::arena::SharedArena;
use super::sandbox;
use crate::context::Context;
use secgear_abi::{EcallContext, Error, ErrorCode, FunctionInfo, Reader, Writer};
use secgear_sim::channel::{Channel, FreeTasks, HandOver, RESULT_SPIN, Slot, state};
use secgear_sim::launch::LaunchArgs;
use std::cell::RefCell;
use std::sync::{Arc, Barrier, OnceLock};

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
    runtime: &'static SimRuntime,
    ctx: &'static Context,
    implementation: E,
    dispatch: Dispatch<E>,
}

/// The simulated enclave's runtime state, made once at entry: the
/// [`Platform`](crate::platform::Platform) of this process.
pub(crate) struct SimRuntime {
    channel: &'static Channel,
    /// The host's pid, from the loader: a different parent means the host
    /// died (the enclave was re-parented) and the enclave must end too.
    /// Taken from the loader rather than read at start, when the host may
    /// already be gone.
    host_pid: Option<rustix::process::Pid>,
    /// Tasks of the switchless OCALL pool this enclave is not using.
    ocall_tasks: OnceLock<FreeTasks>,
    ocall_table: &'static [FunctionInfo],
    pub(super) arena: Option<SharedArena>,
}

/// How often an idle enclave thread checks that its host is still there.
const ORPHAN_POLL: std::time::Duration = std::time::Duration::from_secs(1);

impl SimRuntime {
    fn orphaned(&self) -> bool {
        self.host_pid
            .is_some_and(|host| rustix::process::getppid() != Some(host))
    }
}

thread_local! {
            /// The slot this thread serves: a call slot, or a switchless task.
    static CURRENT: RefCell<Option<SlotRef>> = const { RefCell::new(None) };
    /// How this thread serves an ECALL nested in one of its OCALLs.
    static NESTED: RefCell<Option<NestedServer>> = RefCell::new(None);
}

/// Runs the enclave; never returns. Use [`entry!`](crate::entry).
pub fn run<E: Send + Sync + 'static>(
    implementation: E,
    dispatch: Dispatch<E>,
    ocalls: &'static [FunctionInfo],
) -> ! {
    let args = match LaunchArgs::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "this is a secgear-rs enclave image ({e}): load it with secgear_host::Enclave, do not run it directly"
            );
            std::process::exit(2);
        }
    };
    let channel = match sandbox::take_channel() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("enclave: no usable channel: {e}");
            std::process::exit(2);
        }
    };
    let channel: &'static Channel = Box::leak(Box::new(channel));
    install_panic_hook(channel);
    let runtime: &'static SimRuntime = Box::leak(Box::new(SimRuntime {
        channel,
        host_pid: rustix::process::Pid::from_raw(args.host_pid),
        ocall_tasks: OnceLock::new(),
        ocall_table: ocalls,
        arena: channel.arena().map(SharedArena),
    }));
    let ctx = match Context::install(runtime) {
        Ok(ctx) => ctx,
        Err(e) => fail(channel, &e.to_string()),
    };
    crate::shared::install_arena_access();
    let shared: &'static Shared<E> = Box::leak(Box::new(Shared {
        runtime,
        ctx,
        implementation,
        dispatch,
    }));
    let slots = channel.slot_count();
    let pool_workers = channel.pool().map_or(0, |p| p.settings().workers as usize);
    // Workers finish starting (stacks, signal stacks) before the sandbox and
    // memory limit go up, and run user code only after.
    let started = Arc::new(Barrier::new(slots + pool_workers + 1));
    let sandboxed = Arc::new(Barrier::new(slots + pool_workers + 1));
    let mut workers = Vec::with_capacity(slots + pool_workers);
    let mut spawn = |name: String, prepare: fn(&Channel), serve: Box<dyn FnOnce() + Send>| {
        let (started, sandboxed) = (started.clone(), sandboxed.clone());
        let spawned = std::thread::Builder::new()
            .name(name)
            .stack_size(sandbox::WORKER_STACK)
            .spawn(move || {
                // What needs system calls the sandbox forbids happens first.
                prepare(channel);
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
    crate::logging::install(ctx);
    started.wait();
    if let Err(e) = sandbox::enter(args.mode, args.heap_limit, slots) {
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
fn install_panic_hook(channel: &'static Channel) {
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        channel.write_death_note(&format!(
            "enclave thread '{}' {info}",
            thread.name().unwrap_or("?")
        ));
        channel.wake_everyone();
        std::process::exit(101);
    }));
}

fn serve_slot<E: Send + Sync + 'static>(shared: &'static Shared<E>, index: usize) {
    let runtime = shared.runtime;
    let Some(slot) = runtime.channel.slot(index) else {
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
        if runtime.channel.shutdown_requested() {
            return;
        }
        if slot
            .wait_for(|s| s == state::ECALL, Some(ORPHAN_POLL))
            .is_none()
        {
            if runtime.orphaned() {
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
            crate::builtin::serve(shared.ctx, header.function_id, request)
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
    let runtime = shared.runtime;
    let Some(pool) = runtime.channel.pool() else {
        return;
    };
    let stop = || {
        if runtime.orphaned() {
            std::process::exit(4);
        }
        runtime.channel.shutdown_requested()
    };
    // One request buffer for all the calls this worker serves.
    let mut request = Vec::new();
    pool.run_worker(pool.settings(), stop, ORPHAN_POLL, |index| {
        let Some(task) = pool.task(index) else {
            return;
        };
        CURRENT.with(|c| *c.borrow_mut() = Some(SlotRef::Task(index)));
        let reply = match task.accept_into(&mut request) {
            Ok(()) => (shared.dispatch)(&shared.implementation, &EcallContext::TOP_LEVEL, &request),
            Err(e) => Writer::error_reply(&Error::malformed(e.to_string())),
        };
        CURRENT.with(|c| *c.borrow_mut() = None);
        task.post_or_error(state::ECALL_DONE, &reply);
    });
}

impl SimRuntime {
    /// Hands an OCALL to the host's workers; `None` when it must take the normal
    /// path (no pool, too large, pool full, or no worker took it in time).
    pub(super) fn switchless_ocall(&self, request: &[u8]) -> Option<Result<Vec<u8>, Error>> {
        let channel = self.channel;
        let pool = channel.ocall_pool()?;
        CURRENT.with(|c| *c.borrow())?;
        let tasks = self
            .ocall_tasks
            .get_or_init(|| FreeTasks::new(pool.tasks()));
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
        let done = |s| s == state::ECALL_DONE;
        let handed = pool.hand_over(index, done, pool.fallback_budget());
        if handed == HandOver::Revoked {
            tasks.release(index);
            pool.count_fallback();
            return None;
        }
        if handed == HandOver::Taken && task.spin_for(done, RESULT_SPIN).is_none() {
            while task.wait_for(done, Some(ORPHAN_POLL)).is_none() {
                if self.orphaned() {
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

    /// Carries an OCALL (or platform call) to the host over the slot of the
    /// ECALL this thread is serving.
    pub(super) fn call_host(&self, request: Vec<u8>) -> Result<Vec<u8>, Error> {
        let channel = self.channel;
        let current = CURRENT.with(|c| *c.borrow()).ok_or_else(|| {
            Error::new(
                ErrorCode::OcallNotAllowed,
                "OCALLs can only be made while serving an ECALL",
            )
        })?;
        let slot = current
            .resolve(channel)
            .ok_or_else(|| Error::new(ErrorCode::BadState, "slot vanished"))?;
        let info = self.ocall_info(&request);
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
                None if self.orphaned() => std::process::exit(4),
                None => {}
            }
        }
    }

    /// The table entry of an OCALL request, for `allow(...)` checks of ECALLs
    /// nested in it. Platform calls have none.
    fn ocall_info(&self, request: &[u8]) -> Option<&'static FunctionInfo> {
        let (header, _) = Reader::request(request).ok()?;
        if header.kind != secgear_abi::CallKind::Ocall {
            return None;
        }
        self.ocall_table.get(header.function_id as usize)
    }
}

fn serve_nested(request: &[u8], active: Option<&'static FunctionInfo>) -> Vec<u8> {
    NESTED.with(|n| match n.borrow().as_ref() {
        Some(serve) => serve(request, active),
        None => Writer::error_reply(&Error::new(
            ErrorCode::BadState,
            "no dispatcher on this thread",
        )),
    })
}
