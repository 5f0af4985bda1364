//! Switchless ECALLs through the shared task pool.

mod common;
use common::{builder, thread_tag};
use secgear_host::{Enclave, ErrorCode, SwitchlessConfig, WorkersPolicy};
use secgear_sim_tests::edl::{Client, Ocalls};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        ..Default::default()
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
    let enclave = switchless(SwitchlessConfig::default());
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
        ..Default::default()
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
        ..Default::default()
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
    let enclave = switchless(SwitchlessConfig::default());
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
        ..Default::default()
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
    let pid = rustix::process::Pid::from_raw(enclave.info().process_id.expect("pid") as i32)
        .expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).expect("kill");
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
        ..Default::default()
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
