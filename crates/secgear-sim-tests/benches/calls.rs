//! Call costs on the simulation TEE, printed as a table:
//! `cargo bench -p secgear-sim-tests`.
//!
//! The first row is the floor: a raw cross-process futex ping-pong (two
//! processes, one shared word), what any context-switching call costs here.
//! The switchless table has its own floor: two processes spinning on one
//! shared cache line, what any call without a context switch costs here.

use secgear_host::{Enclave, SwitchlessConfig, TeeType, WorkersPolicy};
use secgear_sim::shm::SharedRegion;
use secgear_sim_tests::edl;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SECGEAR_BENCH_PINGPONG_CHILD";
const SPIN_CHILD_ENV: &str = "SECGEAR_BENCH_SPIN_CHILD";

use secgear_sim_tests::QuietHost;
use secgear_sim_tests::measure::{latencies, percentile};

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Calls per second with `threads` callers for `period`; each `round`
/// makes some calls and says how many.
fn throughput(
    enclave: &Arc<Enclave>,
    threads: usize,
    period: Duration,
    round: fn(&edl::Client<&Enclave>) -> u64,
) -> f64 {
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let e = enclave.clone();
            std::thread::spawn(move || {
                let c = edl::Client::new(&*e);
                let mut n = 0u64;
                while start.elapsed() < period {
                    n += round(&c);
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().expect("join")).sum();
    total as f64 / start.elapsed().as_secs_f64()
}

/// The shared file of a ping-pong, mapped.
fn attach(path: impl AsRef<std::path::Path>) -> SharedRegion {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .expect("open shm");
    SharedRegion::attach_trusted(file.into()).expect("attach")
}

/// The child side of the ping-pong: answers every ping until told to stop.
fn pingpong_child(path: &str) {
    let region = attach(path);
    let word = region.u32_at(0);
    loop {
        let v = word.load(Ordering::Acquire);
        match v {
            1 => {
                word.store(2, Ordering::Release);
                secgear_sim::futex::wake_one(word);
            }
            3 => return,
            _ => secgear_sim::futex::wait(word, v, None),
        }
    }
}

/// The child side of the spin ping-pong: answers every ping, never sleeping.
fn spin_child(path: &str) {
    let region = attach(path);
    let word = region.u32_at(0);
    loop {
        match word.load(Ordering::Acquire) {
            1 => word.store(2, Ordering::Release),
            3 => return,
            _ => std::hint::spin_loop(),
        }
    }
}

/// A shared file for a ping-pong partner started as `env`.
fn partner(env: &str) -> (tempfile::TempDir, std::process::Child, SharedRegion) {
    let dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("tmp");
    let path = dir.path().join("pingpong");
    std::fs::write(&path, [0u8; 4096]).expect("create");
    let child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .env(env, &path)
        .spawn()
        .expect("spawn the ping-pong partner");
    let region = attach(&path);
    (dir, child, region)
}

/// Round trips of one cache line between two spinning processes.
fn spin_floor(n: usize) -> (Duration, Duration) {
    let (_dir, mut child, region) = partner(SPIN_CHILD_ENV);
    let word = region.u32_at(0);
    let result = latencies(n, || {
        word.store(1, Ordering::Release);
        while word.load(Ordering::Acquire) != 2 {
            std::hint::spin_loop();
        }
    });
    word.store(3, Ordering::Release);
    let _ = child.wait();
    result
}

/// Round trips of a raw futex ping-pong between two processes.
fn futex_floor(n: usize) -> (Duration, Duration) {
    let (_dir, mut child, region) = partner(CHILD_ENV);
    let word = region.u32_at(0);
    let result = latencies(n, || {
        word.store(1, Ordering::Release);
        secgear_sim::futex::wake_one(word);
        while word.load(Ordering::Acquire) != 2 {
            secgear_sim::futex::wait(word, 1, None);
        }
    });
    word.store(3, Ordering::Release);
    secgear_sim::futex::wake_one(word);
    let _ = child.wait();
    result
}

fn gbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        pingpong_child(&path);
        return;
    }
    if let Ok(path) = std::env::var(SPIN_CHILD_ENV) {
        spin_child(&path);
        return;
    }
    if std::env::args().skip(1).any(|a| a == "switchless-floor") {
        switchless_against_floor(5);
        return;
    }
    let state = tempfile::tempdir().expect("state");
    let make = || {
        Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
            .tee(TeeType::Sim)
            .debug(true)
            .threads(2)
            .options(
                secgear_host::SimOptions::default()
                    .max_message(4 << 20)
                    .state_dir(state.path().join("sim")),
            )
            .ocalls(edl::Ocalls(QuietHost))
            .create()
            .expect("create")
    };
    let enclave = Arc::new(make());
    let c = edl::Client::new(&*enclave);
    let n = 20_000;
    let (floor50, floor99) = futex_floor(n);
    let (ecall50, ecall99) = latencies(n, || c.empty().expect("empty"));
    let batch = 100u32;
    let (ob50, ob99) = latencies(n / 100, || c.ocall_loop(batch).expect("ocalls"));
    let (ocall50, ocall99) = (ob50 / batch, ob99 / batch);
    let empty = |c: &edl::Client<&Enclave>| {
        c.empty().expect("empty");
        1
    };
    let tput1 = throughput(&enclave, 1, Duration::from_secs(1), empty);
    let tput2 = throughput(&enclave, 2, Duration::from_secs(1), empty);
    let mut rows = Vec::new();
    let mut summed = Vec::new();
    for size in PAYLOADS {
        let data = vec![7u8; size];
        let reps = reps_for(size);
        let (in50, _) = latencies(reps, || c.take_in(&data).expect("in"));
        let mut out = vec![0u8; size];
        let (out50, _) = latencies(reps, || c.give_out(&mut out).expect("out"));
        rows.push((size, in50, out50));
        summed.push(latencies(reps, || {
            assert_eq!(c.sum_in(&data).expect("sum"), 7 * size as u64);
        }));
    }
    let mut lifecycle: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let e = make();
            e.destroy().expect("destroy");
            t.elapsed()
        })
        .collect();
    lifecycle.sort();
    let create50 = percentile(&lifecycle, 0.5);
    // The normal rows are measured before any worker spins on the second core.
    drop(enclave);
    let spin = spin_floor(n);
    let switchless = measure_switchless(&make_switchless(&state, WorkersPolicy::Busy, 0), n);
    let idle = wakeup_idle_cpu(&make_switchless(&state, WorkersPolicy::Wakeup, 0));
    // Host workers serve these OCALLs; the enclave's own workers sleep.
    let sw_ocall = {
        let enclave = make_switchless(&state, WorkersPolicy::Wakeup, 1);
        let c = edl::Client::new(&*enclave);
        let (p50, p99) = latencies(n / 100, || c.ocall_loop_sw(batch).expect("ocalls"));
        (p50 / batch, p99 / batch)
    };

    println!("| measurement | p50 | p99 | rate | target |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| raw futex ping-pong, two processes (floor) | {:.1} µs | {:.1} µs | {:.0} round trips/s | — |",
        us(floor50),
        us(floor99),
        1.0 / floor50.as_secs_f64()
    );
    println!(
        "| empty ECALL, 1 caller | {:.1} µs | {:.1} µs | {:.0} calls/s | p50 ≤ 1.3 × floor = {:.1} µs ({}) |",
        us(ecall50),
        us(ecall99),
        tput1,
        1.3 * us(floor50),
        if us(ecall50) <= 1.3 * us(floor50) {
            "met"
        } else {
            "missed"
        }
    );
    println!("| empty ECALL, 2 callers | — | — | {tput2:.0} calls/s | — |");
    println!(
        "| empty OCALL (inside an ECALL) | {:.1} µs | {:.1} µs | {:.0} calls/s | — |",
        us(ocall50),
        us(ocall99),
        1.0 / ocall50.as_secs_f64()
    );
    for (size, in50, out50) in rows {
        let label = if size >= 1 << 20 { "1 MiB" } else { "4 KiB" };
        let target = if size >= 1 << 20 {
            format!(
                "[in] ≥ 2 GB/s ({})",
                if gbps(size, in50) >= 2.0 {
                    "met"
                } else {
                    "missed"
                }
            )
        } else {
            "—".into()
        };
        println!(
            "| [in] {label} | {:.1} µs | — | {:.2} GB/s | {target} |",
            us(in50),
            gbps(size, in50)
        );
        println!(
            "| [out] {label} | {:.1} µs | — | {:.2} GB/s | — |",
            us(out50),
            gbps(size, out50)
        );
    }
    println!(
        "| enclave create + destroy | {:.1} ms | {:.1} ms | — | ≤ 50 ms ({}) |",
        create50.as_secs_f64() * 1e3,
        percentile(&lifecycle, 0.99).as_secs_f64() * 1e3,
        if create50 <= Duration::from_millis(50) {
            "met"
        } else {
            "missed"
        }
    );
    print_switchless(&switchless, spin, us(ecall50), tput1, tput2, idle);
    print_ocalls((ocall50, ocall99), sw_ocall);
    print_payloads(&summed, &switchless.shared);
}

/// `cargo bench -p secgear-sim-tests --bench calls -- switchless-floor`:
/// only the spin floor and the empty switchless ECALL, in `rounds`
/// alternating measurements, so each ratio compares figures taken moments
/// apart (the floor moves with where the hypervisor places the two vCPUs).
/// Nothing else spins while the floor is measured: the enclave is created
/// after it and destroyed before the next.
fn switchless_against_floor(rounds: usize) {
    let state = tempfile::tempdir().expect("state");
    let n = 20_000;
    println!("| round | spin floor p50 | switchless ECALL p50 | ratio |");
    println!("|---:|---:|---:|---:|");
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let (floor, _) = spin_floor(n);
        let enclave = make_switchless(&state, WorkersPolicy::Busy, 0);
        let (call, _) = {
            let c = edl::Client::new(&*enclave);
            latencies(n, || c.sw_empty().expect("sw_empty"))
        };
        drop(enclave);
        let ratio = us(call) / us(floor);
        ratios.push(ratio);
        println!(
            "| {round} | {:.3} µs | {:.3} µs | {ratio:.2}× |",
            us(floor),
            us(call)
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "| median | — | — | {:.2}× (target ≤ 2×) |",
        ratios[ratios.len() / 2]
    );
}

const PAYLOADS: [usize; 2] = [4 << 10, 1 << 20];

fn reps_for(size: usize) -> usize {
    if size > 4096 { 200 } else { 5000 }
}

fn print_ocalls(normal: (Duration, Duration), switchless: (Duration, Duration)) {
    println!();
    println!("| empty OCALL (inside an ECALL) | p50 | p99 | rate | target |");
    println!("|---|---:|---:|---:|---|");
    for (label, (p50, p99)) in [
        ("normal", normal),
        ("switchless (1 host worker)", switchless),
    ] {
        println!(
            "| {label} | {:.2} µs | {:.2} µs | {:.0} calls/s | — |",
            us(p50),
            us(p99),
            1.0 / p50.as_secs_f64()
        );
    }
    println!(
        "| speedup, switchless vs normal (p50) | {:.1}× | — | — | — |",
        us(normal.0) / us(switchless.0)
    );
}

/// The enclave sums the payload: received by copy (normal `[in]`), or read
/// from a shared buffer (copied in once inside the enclave) by a switchless call.
fn print_payloads(normal: &[(Duration, Duration)], shared: &[(Duration, Duration)]) {
    println!();
    println!("| payload summed by the enclave | p50 | p99 | rate | target |");
    println!("|---|---:|---:|---:|---|");
    for (i, size) in PAYLOADS.iter().enumerate() {
        let label = if *size >= 1 << 20 { "1 MiB" } else { "4 KiB" };
        for (how, rows) in [
            ("normal ECALL, [in] copy", normal),
            ("switchless, shared buffer", shared),
        ] {
            let Some((p50, p99)) = rows.get(i) else {
                continue;
            };
            println!(
                "| {label}, {how} | {:.2} µs | {:.2} µs | {:.2} GB/s | — |",
                us(*p50),
                us(*p99),
                gbps(*size, *p50)
            );
        }
    }
}

fn make_switchless(
    state: &tempfile::TempDir,
    policy: WorkersPolicy,
    uworkers: u32,
) -> Arc<Enclave> {
    let config = SwitchlessConfig {
        workers_policy: policy,
        num_uworkers: uworkers,
        ..SwitchlessConfig::default()
    };
    let enclave = Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .threads(2)
        .options(secgear_host::SimOptions::default().state_dir(state.path().join("sim")))
        .switchless(config)
        .ocalls(edl::Ocalls(QuietHost))
        .create()
        .expect("create a switchless enclave");
    Arc::new(enclave)
}

struct SwitchlessRows {
    p50: Duration,
    p99: Duration,
    tput1: f64,
    tput2: f64,
    async_p50: Duration,
    async_p99: Duration,
    async_tput1: f64,
    async_tput2: f64,
    shared: Vec<(Duration, Duration)>,
    fallbacks: u64,
}

/// Asynchronous calls in flight per caller: two callers fill half the
/// 64-task pool.
const ASYNC_BATCH: u64 = 16;

/// One round of asynchronous calls: a batch submitted, then joined.
fn async_round(c: &edl::Client<&Enclave>) -> u64 {
    let batch: Vec<_> = (0..ASYNC_BATCH)
        .map(|_| c.sw_empty_async().expect("submit"))
        .collect();
    for call in batch {
        call.join().expect("async");
    }
    ASYNC_BATCH
}

fn measure_switchless(enclave: &Arc<Enclave>, n: usize) -> SwitchlessRows {
    let c = edl::Client::new(&**enclave);
    let (p50, p99) = latencies(n, || c.sw_empty().expect("sw_empty"));
    let sw_empty = |c: &edl::Client<&Enclave>| {
        c.sw_empty().expect("sw_empty");
        1
    };
    let tput1 = throughput(enclave, 1, Duration::from_secs(1), sw_empty);
    let tput2 = throughput(enclave, 2, Duration::from_secs(1), sw_empty);
    let (async_p50, async_p99) = latencies(n, || {
        c.sw_empty_async().expect("submit").join().expect("async")
    });
    let async_tput1 = throughput(enclave, 1, Duration::from_secs(1), async_round);
    let async_tput2 = throughput(enclave, 2, Duration::from_secs(1), async_round);
    let shared = PAYLOADS
        .iter()
        .map(|&size| {
            let buf = enclave.alloc_shared(size).expect("shared buffer");
            buf.write(0, &vec![7u8; size]).expect("fill");
            latencies(reps_for(size), || {
                let mut sum = 0;
                assert_eq!(c.sw_sum_shared(buf.ptr(), size, &mut sum).expect("sum"), 0);
                assert_eq!(sum, 7 * size as u64);
            })
        })
        .collect();
    let stats = enclave.switchless_stats().expect("switchless is on");
    SwitchlessRows {
        p50,
        p99,
        tput1,
        tput2,
        async_p50,
        async_p99,
        async_tput1,
        async_tput2,
        shared,
        fallbacks: stats.fallbacks,
    }
}

/// CPU time (user + system, in clock ticks) of this process's children,
/// which include every simulated enclave.
fn children_cpu_ticks() -> u64 {
    let mut ticks = 0;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children.split_whitespace() {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            // utime and stime are the 14th and 15th fields of the whole line.
            for f in fields.get(11..13).unwrap_or_default() {
                ticks += f.parse::<u64>().unwrap_or(0);
            }
        }
    }
    ticks
}

/// Share of one core the `Wakeup` workers of an idle enclave use over one second.
fn wakeup_idle_cpu(enclave: &Arc<Enclave>) -> f64 {
    let c = edl::Client::new(&**enclave);
    c.sw_empty().expect("wake the workers once");
    // Let the workers spin out their budget and fall asleep.
    std::thread::sleep(Duration::from_millis(200));
    let ticks_per_second = rustix::param::clock_ticks_per_second() as f64;
    let before = children_cpu_ticks();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let used = (children_cpu_ticks() - before) as f64 / ticks_per_second;
    used / start.elapsed().as_secs_f64()
}

fn print_switchless(
    sw: &SwitchlessRows,
    (spin50, spin99): (Duration, Duration),
    normal50: f64,
    normal_tput1: f64,
    normal_tput2: f64,
    idle: f64,
) {
    let p50 = us(sw.p50);
    let speedup = normal50 / p50;
    println!();
    println!("| switchless (1 busy enclave worker) | p50 | p99 | rate | target |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| raw spin ping-pong on one shared cache line, two processes (floor) | {:.2} µs | {:.2} µs | {:.0} round trips/s | — |",
        us(spin50),
        us(spin99),
        1.0 / spin50.as_secs_f64()
    );
    println!(
        "| empty ECALL, normal (from above) | {normal50:.2} µs | — | {normal_tput1:.0} calls/s (2 callers: {normal_tput2:.0}) | — |"
    );
    let floor = us(spin50);
    println!(
        "| empty ECALL, switchless sync, 1 caller | {p50:.2} µs | {:.2} µs | {:.0} calls/s | p50 ≤ 2 × floor = {:.2} µs ({}; {:.1}× the floor) |",
        us(sw.p99),
        sw.tput1,
        2.0 * floor,
        if p50 <= 2.0 * floor { "met" } else { "missed" },
        p50 / floor
    );
    println!(
        "| empty ECALL, switchless sync, 2 callers | — | — | {:.0} calls/s | — |",
        sw.tput2
    );
    println!(
        "| speedup, switchless vs normal (p50) | {speedup:.1}× | — | — | ≥ 10× ({}) |",
        if speedup >= 10.0 { "met" } else { "missed" }
    );
    println!(
        "| empty ECALL, switchless async (submit + join) | {:.2} µs | {:.2} µs | 1 caller: {:.0} calls/s, 2 callers: {:.0} calls/s ({ASYNC_BATCH} in flight each) | — |",
        us(sw.async_p50),
        us(sw.async_p99),
        sw.async_tput1,
        sw.async_tput2
    );
    println!(
        "| `Wakeup` workers, idle for 1 s | — | — | {:.1} % of a core | < 5 % ({}) |",
        idle * 100.0,
        if idle < 0.05 { "met" } else { "missed" }
    );
    println!(
        "| fallbacks during the switchless rows | — | — | {} | — |",
        sw.fallbacks
    );
}
