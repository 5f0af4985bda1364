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
    assert_eq!(
        c.try_exec().expect("call"),
        rustix::io::Errno::PERM.raw_os_error(),
        "execve must be refused by the filter, not fail for another reason"
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
    let pid = common::process_id(&enclave);
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

#[test]
fn memory_cannot_be_made_executable() {
    let enclave = start(1);
    let c = Client::new(&*enclave);
    let eperm = rustix::io::Errno::PERM.raw_os_error();
    assert_eq!(c.try_exec_memory(0).expect("mmap PROT_EXEC"), eperm);
    assert_eq!(c.try_exec_memory(1).expect("mprotect PROT_EXEC"), eperm);
    assert_eq!(c.add(1, 2).expect("add"), 3);
}

#[test]
fn allocating_past_the_heap_limit_fails_inside_the_enclave_only() {
    let enclave = start(1);
    let c = Client::new(&*enclave);
    // The image is signed with a 64 MiB heap limit.
    assert_eq!(c.try_alloc(16 << 20).expect("within the limit"), 1);
    assert_eq!(c.try_alloc(256 << 20).expect("past the limit"), -1);
    assert!(!enclave.is_dead());
    assert_eq!(c.try_alloc(16 << 20).expect("within the limit again"), 1);
}

#[test]
fn a_production_enclave_is_not_dumpable_and_a_debug_one_is() {
    let production = common::builder()
        .debug(false)
        .create()
        .expect("production enclave");
    assert_eq!(Client::new(&production).dumpable().expect("call"), 0);
    let debug = start(1);
    assert_eq!(Client::new(&*debug).dumpable().expect("call"), 1);
}
