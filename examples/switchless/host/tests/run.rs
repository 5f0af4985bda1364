//! The example answers through both paths, the pool serves its switchless
//! calls, and it ends with a parseable summary (speed is the benchmark's
//! business, not a test's).

use std::process::Command;

fn field(line: &str, key: &str) -> f64 {
    let value = line
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("{key} missing from {line:?}"));
    value
        .parse()
        .unwrap_or_else(|e| panic!("{key}={value}: {e}"))
}

#[test]
fn both_paths_answer_and_the_summary_is_machine_readable() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchless"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("enclave says: secgear hello world!\n"),
        "{stdout}"
    );

    // Every switchless call was either served by the pool or fell back to
    // a normal call (and answered correctly: the example checks each one),
    // and the pool did serve calls.
    let stats = stdout
        .lines()
        .find(|l| l.starts_with("switchless: "))
        .unwrap_or_else(|| panic!("no switchless stats in {stdout}"));
    let calls = field(stats, "calls");
    let served = field(stats, "served");
    let fell_back = field(stats, "fell_back");
    let pool_full = field(stats, "pool_full");
    assert!(served > 0.0, "no call went through the pool: {stats}");
    assert_eq!(served + fell_back + pool_full, calls, "{stats}");

    let summary = stdout.lines().last().expect("a last line");
    assert!(summary.starts_with("summary: "), "{stdout}");
    assert!(field(summary, "normal_p50_us") > 0.0, "{summary}");
    assert!(field(summary, "switchless_p50_us") > 0.0, "{summary}");
}
