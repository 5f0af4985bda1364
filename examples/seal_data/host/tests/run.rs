//! The example seals, unseals in a new instance, and is refused by another enclave.

#[test]
fn seals_unseals_and_refuses_a_stranger() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("blob");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_seal_data"))
        .arg(&store)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("a new instance of the same enclave unsealed: the launch codes"),
        "{stdout}"
    );
    assert!(
        stdout.contains("a different enclave cannot unseal it"),
        "{stdout}"
    );
    let blob = std::fs::read(&store).expect("the host kept the blob");
    assert!(
        !blob.windows(6).any(|w| w == b"launch"),
        "the stored blob is not plaintext"
    );
}
