//! Switchless ECALLs through the shared task pool.

mod common;
use common::{builder, kill, thread_tag};
use secgear_host::{Enclave, ErrorCode, SwitchlessConfig, WorkersPolicy};
use secgear_sim_tests::edl::{Client, Ocalls};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Defaults without host workers: most tests make no switchless OCALLs, and
/// a busy host worker would take a core from the others.
fn cfg() -> SwitchlessConfig {
    SwitchlessConfig {
        num_uworkers: 0,
        ..Default::default()
    }
}

fn switchless(cfg: SwitchlessConfig) -> Arc<Enclave> {
    Arc::new(
        builder()
            .threads(4)
            .switchless(cfg)
            .ocalls(Ocalls(common::HostFns::default()))
            .create()
            .expect("create"),
    )
}

#[test]
fn invalid_configurations_are_refused_at_create_naming_the_field() {
    let err = builder()
        .switchless(SwitchlessConfig {
            pool_size: 9,
            ..Default::default()
        })
        .create()
        .expect_err("pool");
    assert_eq!(err.kind(), ErrorCode::BadParameters);
    assert!(
        err.to_string()
            .contains("switchless.pool_size = 9 is outside 1..=8"),
        "{err}"
    );
}

#[test]
fn many_threads_many_switchless_calls_match_their_results() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 2,
        ..cfg()
    });
    let workers: Vec<_> = (0..6)
        .map(|t| {
            let e = enclave.clone();
            std::thread::spawn(move || {
                let c = Client::new(&*e);
                for i in 0..500 {
                    assert_eq!(c.sw_add(t * 10_000, i).expect("sw_add"), t * 10_000 + i);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("results matched");
    }
    let stats = enclave.switchless_stats().expect("stats");
    assert!(stats.served > 0, "{stats:?}");
    assert_eq!(
        stats.served + stats.fallbacks,
        3000,
        "every call ran once, switchless or not: {stats:?}"
    );
}

#[test]
fn ocalls_from_switchless_calls_run_on_the_calling_thread() {
    let enclave = switchless(cfg());
    assert_eq!(
        Client::new(&*enclave).sw_thread_seen().expect("ocall"),
        thread_tag()
    );
}

#[test]
fn a_busy_worker_makes_sync_calls_fall_back() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 1,
        retries_before_fallback: 2000,
        ..cfg()
    });
    let busy = {
        let e = enclave.clone();
        std::thread::spawn(move || Client::new(&*e).sw_sleep(1000))
    };
    std::thread::sleep(Duration::from_millis(100));
    // The only worker sleeps inside a call: this one is revoked and runs normally.
    assert_eq!(Client::new(&*enclave).sw_add(2, 3).expect("fallback"), 5);
    busy.join().expect("join").expect("sleep");
    assert!(enclave.switchless_stats().expect("stats").fallbacks >= 1);
}

#[test]
fn wakeup_workers_sleep_when_idle_and_wake_on_submit() {
    let enclave = switchless(SwitchlessConfig {
        workers_policy: WorkersPolicy::Wakeup,
        retries_before_sleep: 100,
        retries_before_fallback: 100_000,
        ..cfg()
    });
    std::thread::sleep(Duration::from_millis(100));
    let asleep = enclave.switchless_stats().expect("stats");
    assert!(asleep.worker_sleeps >= 1, "{asleep:?}");
    assert_eq!(Client::new(&*enclave).sw_add(1, 1).expect("woken"), 2);
    let after = enclave.switchless_stats().expect("stats");
    assert!(after.worker_wakes >= 1 && after.served >= 1, "{after:?}");
}

#[test]
fn oversized_calls_and_nested_calls_take_the_normal_path() {
    let enclave = switchless(cfg());
    // `echo` is not switchless; `sw_*` calls are; all return correct results.
    let data = vec![9u8; 8192];
    let mut back = vec![0u8; data.len()];
    Client::new(&*enclave)
        .echo(&data, &mut back, data.len())
        .expect("echo");
    assert_eq!(back, data);
    assert_eq!(Client::new(&*enclave).sw_add(20, 22).expect("sw"), 42);
}

#[test]
fn killing_the_enclave_fails_pending_switchless_calls_promptly() {
    let enclave = switchless(SwitchlessConfig {
        retries_before_fallback: 1_000_000,
        ..cfg()
    });
    let pending: Vec<_> = (0..2)
        .map(|_| {
            let e = enclave.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                (Client::new(&*e).sw_sleep(30_000), started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    kill(&enclave);
    for p in pending {
        let (result, took) = p.join().expect("join");
        assert_eq!(result.expect_err("dead").kind(), ErrorCode::EnclaveDead);
        assert!(took < Duration::from_secs(4), "took {took:?}");
    }
    assert_eq!(
        Client::new(&*enclave)
            .sw_add(1, 1)
            .expect_err("dead")
            .kind(),
        ErrorCode::EnclaveDead
    );
}

#[test]
fn a_full_pool_runs_calls_normally_instead_of_failing() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 1,
        pool_size: 1,
        retries_before_fallback: 1_000_000,
        ..cfg()
    });
    // The only worker sleeps in a call, so every task submitted meanwhile stays
    // pending until its budget ends: 64 tasks fill the pool. (The sleep outlasts
    // the budget so that no pending task is served; how many callers find the
    // pool full depends on how fast 80 spinning threads get scheduled.)
    let busy = {
        let e = enclave.clone();
        std::thread::spawn(move || Client::new(&*e).sw_sleep(1500))
    };
    std::thread::sleep(Duration::from_millis(100));
    // Spinning callers slow the spawning of the next ones: all start together.
    let start = std::sync::Arc::new(std::sync::Barrier::new(80));
    let callers: Vec<_> = (0..80)
        .map(|i| {
            let e = enclave.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                (i, Client::new(&*e).sw_add(i, 1000))
            })
        })
        .collect();
    for caller in callers {
        let (i, result) = caller.join().expect("join");
        assert_eq!(result.expect("every call completes"), i + 1000);
    }
    busy.join().expect("join").expect("sleep");
    let stats = enclave.switchless_stats().expect("stats");
    assert!(
        stats.pool_full >= 1 && stats.served <= 1 + 80 - 63,
        "{stats:?}"
    );
    assert_eq!(
        stats.pool_full + stats.fallbacks + stats.served,
        81,
        "every call is counted once: {stats:?}"
    );
}

#[test]
fn async_calls_return_handles_whose_results_match_their_requests() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 2,
        ..cfg()
    });
    let client = Client::new(&*enclave);
    for round in 0..10 {
        let handles: Vec<_> = (0..50)
            .map(|i| (i, client.sw_add_async(round * 1000, i).expect("submit")))
            .collect();
        for (i, handle) in handles {
            assert!(handle.id().is_some(), "in the pool");
            assert_eq!(handle.join().expect("result"), round * 1000 + i);
        }
    }
    // `[out]` parameters are written when the result is collected.
    let buf = enclave.alloc_shared(3).expect("shared");
    buf.write(0, &[1, 2, 3]).expect("write");
    let mut sum = 0;
    let status = client
        .sw_sum_shared_async(buf.ptr(), 3, &mut sum)
        .expect("submit")
        .join()
        .expect("result");
    assert_eq!((status, sum), (0, 6));
    let stats = enclave.switchless_stats().expect("stats");
    assert!(stats.served >= 501, "{stats:?}");
}

#[test]
fn async_handles_poll_wait_and_reject_stale_ids() {
    let enclave = switchless(cfg());
    let client = Client::new(&*enclave);
    let mut slow = client.sw_sleep_async(300).expect("submit");
    let slow_id = slow.id().expect("pending");
    assert_eq!(
        enclave
            .get_async_result(slow_id)
            .expect_err("running")
            .kind(),
        ErrorCode::SwitchlessAsyncTaskUnfinished
    );
    assert_eq!(slow.poll().expect("poll"), None);
    assert_eq!(slow.wait(Duration::from_millis(10)).expect("wait"), None);
    assert_eq!(slow.wait(Duration::from_secs(10)).expect("wait"), Some(()));
    assert_eq!(
        slow.poll().expect_err("collected").kind(),
        ErrorCode::SwitchlessInvalidTaskId
    );

    // Collected through the porting API, the handle's id goes stale...
    let mut first = client.sw_add_async(1, 2).expect("submit");
    let first_id = first.id().expect("pending");
    let raw = loop {
        match enclave.get_async_result(first_id) {
            Ok(reply) => break reply,
            Err(e) => assert_eq!(e.kind(), ErrorCode::SwitchlessAsyncTaskUnfinished),
        }
    };
    assert!(!raw.is_empty());
    assert_eq!(
        first.poll().expect_err("stale").kind(),
        ErrorCode::SwitchlessInvalidTaskId
    );
    // ...and stays stale when the same task carries the next call.
    let second = client.sw_add_async(40, 2).expect("submit");
    let second_id = second.id().expect("pending");
    assert_eq!(second_id.task, first_id.task, "the task is reused");
    assert_ne!(second_id.generation, first_id.generation);
    assert_eq!(
        enclave
            .get_async_result(first_id)
            .expect_err("stale")
            .kind(),
        ErrorCode::SwitchlessInvalidTaskId
    );
    assert_eq!(second.join().expect("result"), 42);
    let forged = secgear_host::AsyncId {
        task: 100_000,
        generation: 1,
    };
    assert_eq!(
        enclave.get_async_result(forged).expect_err("forged").kind(),
        ErrorCode::SwitchlessInvalidTaskId
    );
}

/// Fills the 64-task pool behind a worker asleep in a call; returns the
/// pending handles.
fn fill_pool<'a>(
    client: &'a Client<&'a Enclave>,
) -> Vec<secgear_host::AsyncCall<'a, &'a Enclave, i32>> {
    (0..63)
        .map(|i| client.sw_add_async(i, 1).expect("room in the pool"))
        .collect()
}

#[test]
fn a_full_pool_refuses_async_calls_unless_they_roll_back_to_normal_calls() {
    for rollback in [false, true] {
        let enclave = switchless(SwitchlessConfig {
            num_tworkers: 1,
            pool_size: 1,
            rollback_to_common: rollback,
            ..cfg()
        });
        let client = Client::new(&*enclave);
        let sleeper = client.sw_sleep_async(800).expect("submit");
        let pending = fill_pool(&client);
        let extra = client.sw_add_async(20, 22);
        if rollback {
            let extra = extra.expect("rolled back");
            assert_eq!(extra.id(), None, "ran as a normal call");
            assert_eq!(extra.join().expect("result"), 42);
        } else {
            assert_eq!(
                extra.expect_err("full").kind(),
                ErrorCode::SwitchlessTaskPoolFull
            );
        }
        sleeper.join().expect("sleep");
        for (i, handle) in pending.into_iter().enumerate() {
            assert_eq!(handle.join().expect("served"), i as i32 + 1);
        }
        assert_eq!(enclave.switchless_stats().expect("stats").pool_full, 1);
    }
}

#[test]
fn killing_the_enclave_fails_pending_async_calls_promptly() {
    let enclave = switchless(cfg());
    let client = Client::new(&*enclave);
    let pending = client.sw_sleep_async(30_000).expect("submit");
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    kill(&enclave);
    assert_eq!(
        pending.join().expect_err("dead").kind(),
        ErrorCode::EnclaveDead
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn switchless_ocalls_are_served_by_host_workers() {
    let with_workers = switchless(SwitchlessConfig {
        num_uworkers: 1,
        workers_policy: WorkersPolicy::Wakeup,
        // A sleeping host worker must get the first OCALL, however slowly it wakes.
        retries_before_fallback: 1_000_000,
        ..cfg()
    });
    let client = Client::new(&*with_workers);
    let worker_thread = client.ocall_sw_thread().expect("ocall");
    assert_ne!(worker_thread, 0);
    assert_ne!(worker_thread, thread_tag(), "served by a host worker");
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let e = with_workers.clone();
            std::thread::spawn(move || Client::new(&*e).ocall_loop_sw(200))
        })
        .collect();
    for c in callers {
        c.join().expect("join").expect("ocalls");
    }
    let stats = with_workers.switchless_stats().expect("stats");
    assert_eq!(
        stats.ocalls_served + stats.ocall_fallbacks,
        801,
        "every OCALL ran once: {stats:?}"
    );
    assert!(stats.ocalls_served >= 1, "{stats:?}");

    // Without host workers the same OCALL runs on the calling thread.
    let without = switchless(cfg());
    assert_eq!(
        Client::new(&*without).ocall_sw_thread().expect("ocall"),
        thread_tag()
    );
}

#[test]
fn shared_buffers_are_used_in_place_and_bounds_are_enforced() {
    let enclave = switchless(SwitchlessConfig {
        shared_memory: 64 * 1024,
        ..cfg()
    });
    let client = Client::new(&*enclave);
    let buf = enclave.alloc_shared(1000).expect("alloc");
    let data: Vec<u8> = (0..1000).map(|i| (i % 251) as u8).collect();
    buf.write(0, &data).expect("write");
    let mut sum = 0;
    assert_eq!(
        client
            .sw_sum_shared(buf.ptr(), 1000, &mut sum)
            .expect("call"),
        0
    );
    assert_eq!(sum, data.iter().map(|b| u64::from(*b)).sum::<u64>());
    // The enclave writes in place; the host sees it with no copy back.
    assert_eq!(client.sw_fill_shared(buf.ptr(), 1000, 7).expect("call"), 0);
    assert_eq!(buf.to_vec().expect("read"), vec![7; 1000]);

    let refused = ErrorCode::AddressUnaccessable.code() as i32;
    let base = buf.ptr().0;
    let hostile = [
        (secgear_host::abi::UserPtr::NULL, 1),
        (secgear_host::abi::UserPtr(0x7fff_0000_1000), 16),
        (secgear_host::abi::UserPtr(base - 1), 16),
        (buf.ptr(), 64 * 1024 + 1),
        (secgear_host::abi::UserPtr(base + 64 * 1024 - 8), 9),
        (secgear_host::abi::UserPtr(base + 64 * 1024), 1),
        (secgear_host::abi::UserPtr(u64::MAX - 4), 8),
        (buf.ptr(), usize::MAX),
    ];
    for (ptr, len) in hostile {
        let mut sum = 0;
        assert_eq!(
            client.sw_sum_shared(ptr, len, &mut sum).expect("call"),
            refused,
            "{ptr:?} + {len}"
        );
        assert_eq!(client.sw_fill_shared(ptr, len, 1).expect("call"), refused);
    }
    // The last byte of the arena is fine; one more is not.
    let mut sum = 0;
    let last = secgear_host::abi::UserPtr(base + 64 * 1024 - 1);
    assert_eq!(client.sw_sum_shared(last, 1, &mut sum).expect("call"), 0);

    // Host-side bounds and capacity.
    assert_eq!(
        buf.write(999, &[0, 0]).expect_err("past the end").kind(),
        ErrorCode::AddressUnaccessable
    );
    assert_eq!(
        enclave.alloc_shared(64 * 1024).expect_err("full").kind(),
        ErrorCode::OutOfMemory
    );
    drop(buf);
    assert!(enclave.alloc_shared(64 * 1024).is_ok(), "freed on drop");
    let plain = common::start(1);
    assert_eq!(
        plain.alloc_shared(16).expect_err("no switchless").kind(),
        ErrorCode::SwitchlessDisabled
    );
}

#[test]
fn waiting_on_one_async_call_serves_the_ocalls_of_another() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 1,
        ..cfg()
    });
    let client = Client::new(&*enclave);
    // The only worker runs `a`, which waits on an OCALL; `b` queues behind it.
    let a = client.sw_thread_seen_async().expect("submit a");
    let b = client.sw_add_async(1, 2).expect("submit b");
    assert_eq!(b.join().expect("b is served once a's OCALL is answered"), 3);
    assert_eq!(a.join().expect("a"), thread_tag());
}

#[test]
fn a_reply_larger_than_a_task_is_an_error_and_harms_no_other_task() {
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 2,
        retries_before_fallback: 1_000_000,
        ..cfg()
    });
    let client = Client::new(&*enclave);
    let neighbour = client.sw_sleep_async(200).expect("submit");
    let mut big = vec![0u8; 8000];
    let err = client
        .sw_fill_out(&mut big)
        .expect_err("too big for a task");
    assert_eq!(err.kind(), ErrorCode::ExcessData, "{err}");
    assert!(big.iter().all(|b| *b == 0), "nothing half-written");
    neighbour.join().expect("the neighbouring task is intact");
    let mut small = vec![0u8; 100];
    client.sw_fill_out(&mut small).expect("fits");
    assert!(small.iter().all(|b| *b == 0xa5));
}

#[test]
fn a_call_to_sleeping_workers_falls_back_when_they_wake_too_slowly() {
    let enclave = switchless(SwitchlessConfig {
        workers_policy: WorkersPolicy::Wakeup,
        retries_before_sleep: 0,
        // Far less than a futex wake-up takes.
        retries_before_fallback: 1,
        ..cfg()
    });
    let client = Client::new(&*enclave);
    // Twenty tries: on a loaded machine the submitter can be descheduled
    // while it spins, and a worker then wakes in time for one call or other.
    for i in 0..20 {
        // Let the workers fall asleep first.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            client.sw_add(i, 1).expect("runs one way or the other"),
            i + 1
        );
    }
    let stats = enclave.switchless_stats().expect("stats");
    assert!(stats.worker_sleeps >= 1, "{stats:?}");
    assert!(stats.fallbacks >= 1, "{stats:?}");
    assert_eq!(stats.fallbacks + stats.served, 20, "{stats:?}");
}

/// The cores the `switchless-*` threads of process `pid` may run on, and
/// those of its other threads.
fn worker_affinity(pid: u32) -> (Vec<String>, Vec<String>) {
    let (mut workers, mut others) = (Vec::new(), Vec::new());
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks") {
        let dir = task.expect("task").path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let Some(cpus) = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        else {
            continue;
        };
        let cpus = cpus.trim().to_owned();
        if name.starts_with("switchless-") {
            workers.push(cpus);
        } else {
            others.push(cpus);
        }
    }
    (workers, others)
}

#[test]
fn enclave_workers_run_only_on_the_cores_asked_for() {
    let mine = rustix::thread::sched_getaffinity(None).expect("affinity");
    let core = (0..rustix::thread::CpuSet::MAX_CPU)
        .rev()
        .find(|c| mine.is_set(*c))
        .expect("a core");
    let enclave = switchless(SwitchlessConfig {
        num_tworkers: 2,
        cores: vec![core],
        ..cfg()
    });
    assert_eq!(Client::new(&*enclave).sw_add(2, 3).expect("call"), 5);
    let pid = common::process_id(&enclave);
    let (workers, others) = worker_affinity(pid);
    assert_eq!(workers, vec![core.to_string(); 2], "pinned workers");
    assert!(
        others
            .iter()
            .all(|cpus| *cpus != core.to_string() || mine.count() == 1),
        "only the workers are pinned: {others:?}"
    );
}
