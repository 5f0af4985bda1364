//! The example end to end: affirming with the right reference value,
//! contraindicated with a wrong one, 409 for a replayed nonce.

#[test]
fn attests_then_refuses_a_wrong_reference_and_a_replay() {
    let state = tempfile::tempdir().expect("state");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_remote_attest"))
        .env("SECGEAR_SIM_STATE_DIR", state.path().join("sim"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "attestation: affirming",
        "with a wrong reference value: contraindicated",
        "nonce first use: HTTP 200",
        "nonce replay: HTTP 409",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{stdout}"
        );
    }
    assert!(stdout.contains("\"measurement\""), "{stdout}");
}
