//! The example answers through both paths and ends with a parseable summary.

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

    let served: u64 = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("switchless: ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no switchless stats in {stdout}"));
    assert!(served > 0, "no call went through the pool: {stdout}");

    let summary = stdout.lines().last().expect("a last line");
    assert!(summary.starts_with("summary: "), "{stdout}");
    let normal = field(summary, "normal_p50_us");
    let switchless = field(summary, "switchless_p50_us");
    let speedup = field(summary, "speedup");
    assert!(normal > 0.0 && switchless > 0.0, "{summary}");
    let expected = normal / switchless;
    assert!(
        (speedup - expected).abs() <= 0.05 + expected * 0.01,
        "speedup {speedup} is not normal/switchless = {expected}: {summary}"
    );
}
