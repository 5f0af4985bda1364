//! The example end to end: the client attests the enclave, gets its sums,
//! and the server's log holds no plaintext.

#[test]
fn the_client_gets_sums_and_the_server_sees_only_ciphertext() {
    let state = tempfile::tempdir().expect("state");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_secure_channel"))
        .env("SECGEAR_SIM_STATE_DIR", state.path().join("sim"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("channel established"), "{stdout}");
    for sum in ["sum=6", "sum=42", "sum=500500"] {
        assert!(stdout.contains(sum), "missing {sum}: {stdout}");
    }
    // The server relayed frames, and nothing it saw spells out a sum.
    assert!(stderr.contains("[host] conn 0 → enclave"), "{stderr}");
    let relayed: String = stderr.lines().filter(|l| l.starts_with("[host]")).collect();
    assert!(!relayed.contains("sum="), "{relayed}");
    assert!(!relayed.contains(&hex::encode(b"sum=")), "{relayed}");
}
