//! The README's main command prints the greeting and the simulation warning.

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
    assert!(stdout.contains("not secure"), "{stdout}");
}
