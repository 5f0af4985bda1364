//! The README's main command prints the greeting, and the library warns
//! that the simulation TEE is not secure.

#[test]
fn prints_the_greeting() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_helloworld"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().any(|l| l == "secgear hello world!"),
        "{stdout}"
    );
    // The host library's own warning (the example prints none), through the
    // example's tracing subscriber on stderr.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().any(|l| l.contains("WARN")
            && l.contains("secgear::sim")
            && l.contains("runs on the simulation TEE")
            && l.contains("not secure")),
        "{stderr}"
    );
}
