//! Enclave death, signature checks and debug mode.

mod common;
use common::{builder, start};
use secgear_host::{Enclave, ErrorCode, TeeType};
use secgear_sim_tests::edl::Client;
use std::time::{Duration, Instant};

/// Liveness bound for "promptly": far above the 100 ms poll, far below a hang.
const PROMPT: Duration = Duration::from_secs(3);

fn assert_dead_everywhere(enclave: &std::sync::Arc<Enclave>, kill: impl FnOnce()) {
    let pending: Vec<_> = (0..2)
        .map(|_| {
            let e = enclave.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                (Client::new(&*e).sleep_ms(30_000), started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    kill();
    for p in pending {
        let (result, took) = p.join().expect("join");
        assert_eq!(
            result.expect_err("pending call").kind(),
            ErrorCode::EnclaveDead
        );
        assert!(
            took < PROMPT + Duration::from_millis(200),
            "a pending call took {took:?} to notice"
        );
    }
    let err = Client::new(&**enclave).add(1, 1).expect_err("later call");
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorCode::EnclaveDead, 0xFFFF_3024)
    );
    assert!(enclave.is_dead());
    // The platform is fine: a new enclave starts and works.
    assert_eq!(Client::new(&*start(1)).add(2, 3).expect("new enclave"), 5);
}

#[test]
fn a_panic_kills_the_enclave_and_every_pending_call_returns() {
    let enclave = start(3);
    let e = enclave.clone();
    assert_dead_everywhere(&enclave, move || {
        let err = Client::new(&*e).crash(0).expect_err("panicked");
        assert_eq!(err.kind(), ErrorCode::EnclaveDead);
        assert!(err.detail().contains("deliberate panic"), "{err}");
    });
}

#[test]
fn an_abort_kills_the_enclave() {
    let enclave = start(3);
    let e = enclave.clone();
    assert_dead_everywhere(&enclave, move || {
        assert_eq!(
            Client::new(&*e).crash(1).expect_err("aborted").kind(),
            ErrorCode::EnclaveDead
        );
    });
}

#[test]
fn sigkill_from_outside_kills_the_enclave() {
    let enclave = start(3);
    let pid = common::process_id(&enclave);
    assert_dead_everywhere(&enclave, move || {
        let pid = rustix::process::Pid::from_raw(pid as i32).expect("pid");
        rustix::process::kill_process(pid, rustix::process::Signal::KILL).expect("kill");
    });
}

fn signed_image() -> Vec<u8> {
    std::fs::read(secgear_sim_tests::ENCLAVE_IMAGE).expect("image")
}

fn load(bytes: &[u8]) -> Result<Enclave, secgear_host::Error> {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("image");
    std::fs::write(&path, bytes).expect("write");
    Enclave::builder(&path)
        .tee(TeeType::Sim)
        .options(secgear_host::SimOptions::default().state_dir(common::state_dir()))
        .create()
}

#[test]
fn unsigned_tampered_and_wrongly_signed_images_are_refused() {
    let signed = signed_image();
    let verified = secgear_sign::verify(&signed).expect("valid");
    let unsigned = load(&verified.executable).expect_err("unsigned");
    assert_eq!(unsigned.kind(), ErrorCode::InvalidEnclave);
    assert!(unsigned.detail().contains("not signed"), "{unsigned}");
    let mut tampered = signed.clone();
    tampered[4096] ^= 1;
    let err = load(&tampered).expect_err("tampered");
    assert_eq!(err.kind(), ErrorCode::SignatureInvalid);
    assert!(err.detail().contains("modified after signing"), "{err}");
    let other_key = secgear_sign::generate_key().expect("key");
    let resigned =
        secgear_sign::sign(&verified.executable, &verified.config, &other_key).expect("sign");
    load(&resigned).expect("validly signed by someone else loads when no signer is pinned");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("image");
    std::fs::write(&path, &resigned).expect("write");
    let err = Enclave::builder(&path)
        .tee(TeeType::Sim)
        .options(secgear_host::SimOptions::default().state_dir(common::state_dir()))
        .expect_signer(secgear_sim_tests::ENCLAVE_SIGNER)
        .create()
        .expect_err("wrong signer");
    assert_eq!(err.kind(), ErrorCode::SignatureInvalid);
    let err = builder()
        .expect_measurement([0; 32])
        .create()
        .expect_err("wrong measurement");
    assert_eq!(err.kind(), ErrorCode::InvalidEnclave);
    assert_eq!(
        load(b"").expect_err("empty").kind(),
        ErrorCode::InvalidEnclave
    );
    let missing = Enclave::builder("/no/such/image")
        .tee(TeeType::Sim)
        .create()
        .expect_err("missing");
    assert_eq!(missing.kind(), ErrorCode::InvalidPath);
}

#[test]
fn signed_images_carry_no_debug_info() {
    use object::{Object, ObjectSection};
    let verified = secgear_sign::verify(&signed_image()).expect("valid");
    let elf = object::File::parse(verified.executable.as_slice()).expect("an ELF executable");
    let debug: Vec<&str> = elf
        .sections()
        .filter_map(|s| s.name().ok())
        .filter(|name| name.starts_with(".debug_"))
        .collect();
    assert!(debug.is_empty(), "debug sections in the image: {debug:?}");
    assert!(
        elf.section_by_name(".text").is_some(),
        "the parse saw the sections"
    );
}

#[test]
fn a_non_debug_enclave_refuses_debug_mode() {
    let verified = secgear_sign::verify(&signed_image()).expect("valid");
    let mut config = verified.config;
    config.debug = false;
    let key = secgear_sign::generate_key().expect("key");
    let production = secgear_sign::sign(&verified.executable, &config, &key).expect("sign");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("image");
    std::fs::write(&path, &production).expect("write");
    let make = |debug| {
        Enclave::builder(&path)
            .tee(TeeType::Sim)
            .debug(debug)
            .options(secgear_host::SimOptions::default().state_dir(common::state_dir()))
            .create()
    };
    let err = make(true).expect_err("debug refused");
    assert_eq!((err.kind(), err.code()), (ErrorCode::NdebugEnclave, 0x14));
    let production = make(false).expect("production mode");
    assert_eq!(Client::new(&production).add(1, 1).expect("add"), 2);
    assert!(
        builder().threads(5).create().is_err(),
        "more threads than signed for"
    );
}

/// Whether a process is gone (or a zombie nobody reaps).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Starts `hold_enclave`, SIGKILLs it once its enclave runs, and checks
/// the enclave process is gone within a second.
fn enclave_dies_with_its_host(busy: bool) {
    use std::io::BufRead;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hold_enclave"));
    command.arg(common::state_dir());
    if busy {
        command.arg("busy");
    }
    let mut host = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn host");
    let mut line = String::new();
    std::io::BufReader::new(host.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read pid");
    let enclave_pid: u32 = line.trim().parse().expect("enclave pid");
    assert!(!gone(enclave_pid));
    host.kill().expect("kill the host");
    let _ = host.wait();
    let started = Instant::now();
    while !gone(enclave_pid) {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "orphaned enclave {enclave_pid} kept running"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_idle_enclave_dies_with_its_host() {
    enclave_dies_with_its_host(false);
}

#[test]
fn an_enclave_in_an_endless_ecall_dies_with_its_host() {
    enclave_dies_with_its_host(true);
}
