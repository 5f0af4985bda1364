//! The enclave reads a name from the host's stdin and greets through its stdout.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn greets_through_ocalls() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocall"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"Ada\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        "What is your name?\nHello, Ada, from inside the enclave!\n"
    );
    assert!(
        stderr.contains("greeting a user") && stderr.contains("secgear::enclave"),
        "enclave log reached the host: {stderr}"
    );
}
