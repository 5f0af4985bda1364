//! ECALLs, OCALLs, nesting, concurrency and hostile messages on the sim TEE.

mod common;
use common::{builder, start, thread_tag};
use secgear_host::{ErrorCode, Transport};
use secgear_sim_tests::edl::Client;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn calls_cross_the_process_boundary() {
    let enclave = start(2);
    let c = Client::new(&*enclave);
    assert_eq!(c.add(40, 2).expect("add"), 42);
    let data: Vec<u8> = (0..(1 << 20)).map(|i| (i * 7) as u8).collect();
    let mut back = vec![0u8; data.len()];
    c.echo(&data, &mut back, data.len()).expect("echo 1 MiB");
    assert_eq!(back, data);
    assert_eq!(c.random_differs().expect("random"), 1);
    let info = enclave.info();
    assert_eq!(info.measurement, secgear_sim_tests::ENCLAVE_MEASUREMENT);
    assert_eq!(info.signer_id, secgear_sim_tests::ENCLAVE_SIGNER);
    assert_eq!(
        (info.product_id, info.security_version, info.threads),
        (7, 3, 2)
    );
}

#[test]
fn ocalls_run_on_the_calling_thread_and_may_nest_private_ecalls() {
    let enclave = start(2);
    let c = Client::new(&*enclave);
    assert_eq!(
        c.call_host(5).expect("call_host"),
        30,
        "5 doubled by the host, tripled by a nested ECALL"
    );
    assert_eq!(c.host_thread_seen().expect("thread"), thread_tag());
    let err = c.triple(1).expect_err("private ECALL from the top level");
    assert_eq!(err.kind(), ErrorCode::EcallNotAllowed);
}

#[test]
fn calls_beyond_the_thread_count_wait_then_fail_with_out_of_tcs() {
    let enclave = Arc::new(
        builder()
            .threads(2)
            .call_timeout(Duration::from_millis(300))
            .create()
            .expect("create"),
    );
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let e = enclave.clone();
            std::thread::spawn(move || Client::new(&*e).sleep_ms(1500))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let err = Client::new(&*enclave).add(1, 1).expect_err("no free slot");
    assert_eq!(err.kind(), ErrorCode::OutOfTcs);
    assert_eq!(err.code(), 0x10);
    for b in busy {
        b.join().expect("join").expect("sleep");
    }
    assert_eq!(
        Client::new(&*enclave).add(1, 1).expect("slots free again"),
        2
    );
}

#[test]
fn many_threads_many_calls_match_their_results() {
    let enclave = start(4);
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let e = enclave.clone();
            std::thread::spawn(move || {
                let c = Client::new(&*e);
                for i in 0..300 {
                    assert_eq!(c.add(t * 1000, i).expect("add"), t * 1000 + i);
                    if i % 50 == 0 {
                        assert_eq!(c.call_host(i).expect("nested"), i * 6);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("no call mixed up");
    }
}

#[test]
fn malformed_requests_are_refused_and_the_enclave_survives() {
    let enclave = start(1);
    for garbage in [
        vec![],
        vec![0xff; 3],
        vec![1, 1, 0, 0, 250, 0, 0, 0],
        vec![9, 1, 0, 0, 0, 0, 0, 0],
        {
            // `add` takes two i32s: twelve bytes leave four unread.
            let mut v = vec![1, 1, 0, 0, 0, 0, 0, 0];
            v.extend_from_slice(&[0xff; 12]);
            v
        },
    ] {
        let reply = enclave.call(garbage.clone()).expect("the enclave answers");
        assert!(
            secgear_abi::Reader::reply(&reply).is_err(),
            "{garbage:?} accepted"
        );
    }
    let too_big = vec![0u8; 9 << 20];
    assert_eq!(
        enclave
            .call(too_big)
            .expect_err("larger than a slot")
            .kind(),
        ErrorCode::ExcessData
    );
    assert_eq!(Client::new(&*enclave).add(2, 2).expect("still alive"), 4);
}

#[test]
fn malformed_ocalls_from_the_enclave_are_refused_and_the_host_survives() {
    let enclave = start(1);
    let c = Client::new(&*enclave);
    for garbage in [
        vec![],
        vec![1, 2, 0, 0, 77, 0, 0, 0],
        vec![1, 4, 0, 0, 99, 0, 0, 0],
        vec![1, 4, 0, 0, 1, 0, 0, 0],
    ] {
        assert_ne!(
            c.raw_ocall(&garbage).expect("enclave answers"),
            0,
            "{garbage:?} accepted"
        );
    }
    assert_eq!(c.call_host(1).expect("host still serves"), 6);
}

#[test]
fn enclave_logs_reach_the_host_subscriber() {
    use std::sync::Mutex;
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let enclave = start(1);
    tracing::subscriber::with_default(subscriber, || {
        Client::new(&*enclave)
            .log_message(c"hello from inside")
            .expect("log");
    });
    let text = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        text.contains("secgear::enclave") && text.contains("hello from inside answer=42"),
        "{text}"
    );
}

#[test]
fn many_enclaves_at_once() {
    let enclaves: Vec<_> = (0..8).map(|_| start(1)).collect();
    for (i, e) in enclaves.iter().enumerate() {
        assert_eq!(
            Client::new(&**e).add(i as i32, 1).expect("add"),
            i as i32 + 1
        );
    }
}

#[test]
fn auto_without_hardware_says_to_choose_sim() {
    let err = secgear_host::Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .create()
        .expect_err("no hardware here");
    assert_eq!(err.kind(), ErrorCode::NoDevice);
    assert!(err.detail().contains("TeeType::Sim"), "{err}");
}

#[test]
fn printing_inside_the_enclave_is_harmless() {
    let enclave = start(1);
    assert_eq!(
        Client::new(&*enclave).print_and_add(2, 3).expect("print"),
        5
    );
}

#[test]
fn a_panicking_ocall_handler_fails_that_ocall_only() {
    let enclave = start(1);
    let c = Client::new(&*enclave);
    assert_eq!(
        c.call_host(666).expect("the ECALL completes"),
        -1,
        "the OCALL reported an error"
    );
    assert_eq!(c.call_host(2).expect("slot still usable"), 12);
    assert_eq!(c.add(1, 1).expect("add"), 2);
}

#[test]
fn a_dead_enclave_fails_new_calls_at_once_even_with_every_slot_busy() {
    let enclave = start(1);
    let busy = {
        let e = enclave.clone();
        std::thread::spawn(move || Client::new(&*e).call_host(777))
    };
    std::thread::sleep(Duration::from_millis(300));
    common::kill(&enclave);
    std::thread::sleep(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = Client::new(&*enclave).add(1, 1).expect_err("dead");
    assert_eq!(err.kind(), ErrorCode::EnclaveDead);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "did not wait for the busy slot"
    );
    let _ = busy.join();
}
