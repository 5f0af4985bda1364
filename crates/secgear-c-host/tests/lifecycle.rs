//! C host programs (`c/*.c`), compiled with gcc against the headers and
//! libsecgear.so, run against the simulation tests' Rust enclave. Each
//! program checks its own results and prints "0 failures"; the stubs they
//! use are written out by hand in the shape the C generator emits.

use std::path::PathBuf;

mod common;

/// Compiles `c/<name>.c`, runs it on the test enclave; (stdout, stderr),
/// after checking that it succeeded.
fn run_c(name: &str) -> (String, String) {
    run_c_with(name, &[])
}

/// [`run_c`], with more C sources and include directories.
fn run_c_with(name: &str, extra: &[PathBuf]) -> (String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let program = dir.path().join(name);
    common::compile(name, extra, &[], &program);
    let out = std::process::Command::new(&program)
        .arg(secgear_sim_tests::ENCLAVE_IMAGE)
        .env("SECGEAR_SIM_STATE_DIR", dir.path().join("sim"))
        .output()
        .expect("run");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success() && stdout.contains("0 failures"),
        "{name}: stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
fn a_c_host_calls_a_rust_enclave_and_serves_its_ocall() {
    let (stdout, _) = run_c("call_rust_enclave");
    assert!(
        stdout.contains("add(2, 3) = 5") && stdout.contains("call_host(21) = 42"),
        "{stdout}"
    );
}

#[test]
fn asynchronous_switchless_calls_from_c_are_collected_once_and_a_full_pool_follows_rollback_to_common()
 {
    let (stdout, _) = run_c("async");
    assert!(
        stdout.contains("rollback=0") && stdout.contains("rollback=1"),
        "{stdout}"
    );
    assert!(stdout.contains("contexts freed: 200"), "{stdout}");
}

#[test]
fn shared_memory_from_c_is_written_in_place_by_a_switchless_ecall() {
    let (stdout, _) = run_c("shared");
    assert!(
        stdout.contains("sw_fill_shared -> Operation successful., 0"),
        "{stdout}"
    );
}

#[test]
fn a_c_host_creates_and_destroys_enclaves_and_bad_calls_get_the_original_codes() {
    let (stdout, stderr) = run_c("lifecycle");
    assert!(stdout.contains("print_log reaches stdout"), "{stdout}");
    // Each refusal says why, naming what was wrong.
    for why in [
        "path is NULL",
        "switchless.pool_size = 9",
        "destroyed already",
        "enclave type 4",
    ] {
        assert!(
            stderr.contains(why),
            "no log line saying {why:?}:\n{stderr}"
        );
    }
}

#[test]
fn a_c_host_drives_a_rust_enclave_through_stubs_generated_from_its_edl() {
    let generated = tempfile::tempdir().expect("dir");
    let source = common::test_enclave_stubs(generated.path());
    let (stdout, _) = run_c_with("generated_host", &[generated.path().to_path_buf(), source]);
    for line in [
        "add(2, 3) = 5",
        "call_host(21) = 42",
        "sw_add(40, 2) = 42",
        "sw_add_async(100, 23) = 123",
        "echo: same bytes",
        "sw_fill_out into shared memory: filled",
        "sw_sum_shared, its [out] sum in shared memory: 16500",
        "sw_fill_out_async into shared memory: filled",
        "0 failures",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
}
