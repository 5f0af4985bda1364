//! The enclave process cannot reach the outside world except through OCALLs.

mod common;
use common::start;
use secgear_sim_tests::edl::Client;

#[test]
fn files_sockets_processes_and_stderr_are_refused() {
    let enclave = start(1);
    let c = Client::new(&*enclave);
    assert_eq!(
        c.try_open_file(c"/etc/hostname").expect("call"),
        rustix::io::Errno::PERM.raw_os_error()
    );
    assert_eq!(
        c.try_open_file(c"/proc/self/status").expect("call"),
        rustix::io::Errno::PERM.raw_os_error()
    );
    assert_eq!(
        c.try_socket().expect("call"),
        rustix::io::Errno::PERM.raw_os_error()
    );
    assert_ne!(
        c.try_exec().expect("call"),
        0,
        "spawning a process must fail"
    );
    // stderr is closed (see the descriptor test below); std treats writing
    // to a closed stderr as success, so it is harmless and goes nowhere.
    assert_eq!(c.try_write_stderr().expect("call"), 0);
    // The refusals did not hurt the enclave.
    assert_eq!(c.add(1, 2).expect("add"), 3);
}

#[test]
fn the_enclave_process_has_an_empty_environment_and_only_its_channel() {
    let enclave = start(1);
    let pid = enclave
        .details::<secgear_host::sim::SimDetails>()
        .expect("sim")
        .process_id;
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    assert!(
        environ.is_empty(),
        "environment: {:?}",
        String::from_utf8_lossy(&environ)
    );
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(fds, ["3"], "only the channel stays open");
}
