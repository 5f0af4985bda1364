//! A hostile enclave (the `rogue` image) that answers a call with a reply
//! of impossible length, then tries to answer the host's next call on the
//! same slot or task with a stale `0`: the host fails the broken call, never
//! lets another call see that slot or task again, and every later call gets
//! its own correct result or `EnclaveDead`.

mod common;
use secgear_host::{Enclave, ErrorCode, SwitchlessConfig, TeeType, WorkersPolicy};
use secgear_sim_tests::ROGUE_IMAGE;
use secgear_sim_tests::edl::Client;
use std::sync::Arc;

const TRIGGER: i32 = 666;

fn rogue(threads: u32, switchless: Option<SwitchlessConfig>) -> Arc<Enclave> {
    let mut builder = Enclave::builder(ROGUE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .threads(threads)
        .options(secgear_host::SimOptions::default().state_dir(common::state_dir()));
    if let Some(cfg) = switchless {
        builder = builder.switchless(cfg);
    }
    Arc::new(builder.create().expect("create the rogue enclave"))
}

/// `add(2, 3)` from this thread and from another: 5 each time, or the
/// enclave is dead; never the stale 0.
fn later_calls_are_right_or_dead(
    enclave: &Arc<Enclave>,
    call: fn(&Client<&Enclave>) -> Result<i32, secgear_host::Error>,
) {
    let check = move |enclave: &Enclave| {
        let client = Client::new(enclave);
        for _ in 0..20 {
            match call(&client) {
                Ok(v) => assert_eq!(v, 5, "a reply that is not this call's"),
                Err(e) => assert_eq!(e.kind(), ErrorCode::EnclaveDead, "{e}"),
            }
        }
    };
    check(enclave);
    let other = enclave.clone();
    std::thread::spawn(move || check(&other))
        .join()
        .expect("other thread");
}

fn add(c: &Client<&Enclave>) -> Result<i32, secgear_host::Error> {
    c.add(2, 3)
}

fn sw_add(c: &Client<&Enclave>) -> Result<i32, secgear_host::Error> {
    c.sw_add(2, 3)
}

fn sw_add_async(c: &Client<&Enclave>) -> Result<i32, secgear_host::Error> {
    c.sw_add_async(2, 3)?.join()
}

#[test]
fn a_malformed_reply_fails_its_call_and_retires_the_slot() {
    let enclave = rogue(2, None);
    let client = Client::new(&*enclave);
    assert_eq!(client.add(1, 1).expect("a good call"), 2);
    let broken = client.add(TRIGGER, 0).expect_err("malformed reply");
    assert_eq!(broken.kind(), ErrorCode::BadFormat, "{broken}");
    later_calls_are_right_or_dead(&enclave, add);
    // One slot is left, and it answers: the enclave is alive.
    assert!(!enclave.is_dead());
    assert_eq!(client.add(2, 3).expect("the other slot"), 5);
    // Breaking the last slot ends the enclave.
    assert_eq!(
        client.add(TRIGGER, 0).expect_err("malformed").kind(),
        ErrorCode::BadFormat
    );
    let dead = client.add(2, 3).expect_err("no slot left");
    assert_eq!(dead.kind(), ErrorCode::EnclaveDead, "{dead}");
    assert!(dead.to_string().contains("call protocol"), "{dead}");
    later_calls_are_right_or_dead(&enclave, add);
}

#[test]
fn an_image_without_the_runtime_is_not_reported_as_running_its_sandbox() {
    use secgear_host::Protection;
    let enclave = rogue(1, None);
    let confinement = &enclave
        .details::<secgear_host::sim::SimDetails>()
        .expect("sim")
        .confinement;
    assert!(confinement.holds(Protection::SyscallFilter));
    assert!(
        !confinement.holds(Protection::RuntimeSandbox),
        "the rogue said it was serving, but never installed the runtime's filter"
    );
}

#[test]
fn with_one_slot_the_next_call_finds_the_enclave_dead() {
    let enclave = rogue(1, None);
    let client = Client::new(&*enclave);
    assert_eq!(
        client.add(TRIGGER, 0).expect_err("malformed").kind(),
        ErrorCode::BadFormat
    );
    later_calls_are_right_or_dead(&enclave, add);
    assert!(enclave.is_dead());
}

fn pool() -> SwitchlessConfig {
    SwitchlessConfig {
        num_uworkers: 0,
        // One stays behind on the broken task, watching for its reuse.
        num_tworkers: 2,
        workers_policy: WorkersPolicy::Wakeup,
        // Long enough that a sleeping worker always takes the call, so
        // every call here goes through the pool.
        retries_before_fallback: 1_000_000,
        ..Default::default()
    }
}

#[test]
fn a_malformed_switchless_reply_retires_its_task() {
    let enclave = rogue(2, Some(pool()));
    let client = Client::new(&*enclave);
    assert_eq!(client.sw_add(1, 1).expect("a good call"), 2);
    let broken = client.sw_add(TRIGGER, 0).expect_err("malformed reply");
    assert_eq!(broken.kind(), ErrorCode::BadFormat, "{broken}");
    later_calls_are_right_or_dead(&enclave, sw_add);
    assert!(!enclave.is_dead(), "one bad task leaves the others");
    let stats = enclave.switchless_stats().expect("stats");
    assert!(
        stats.served > 30,
        "the pool served most later calls: {stats:?}"
    );
}

#[test]
fn a_malformed_async_reply_retires_its_task() {
    let enclave = rogue(2, Some(pool()));
    let client = Client::new(&*enclave);
    let broken = client
        .sw_add_async(TRIGGER, 0)
        .expect("submit")
        .join()
        .expect_err("malformed reply");
    assert_eq!(broken.kind(), ErrorCode::BadFormat, "{broken}");
    later_calls_are_right_or_dead(&enclave, sw_add_async);
    assert!(!enclave.is_dead());
}
