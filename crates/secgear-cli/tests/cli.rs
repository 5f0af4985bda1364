//! The `secgear edl` commands as a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn secgear(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secgear"))
        .args(args)
        .output()
        .expect("run secgear")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    repo().join("crates/secgear-edl/tests/data/edl-corpus")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_valid_file_prints_the_summary() {
    let edl = repo().join("examples/helloworld/helloworld.edl");
    let out = secgear(&["edl", "check", edl.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ok: 1 trusted (0 switchless), 0 untrusted functions, 0 types\n"
    );
}

#[test]
fn check_with_search_paths_counts_imports() {
    let root = corpus();
    let edl = root.join("secgear/examples/switchless/switchless.edl");
    let gp = root.join("secgear/sdk/inc/host_inc/gp");
    let out = secgear(&[
        "edl",
        "check",
        "-I",
        gp.to_str().expect("utf8"),
        edl.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: 2 trusted (1 switchless), 0 untrusted functions"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn invalid_file_exits_1_with_every_diagnostic_on_stderr() {
    let dir = tempfile::tempdir().expect("tmp");
    let edl = dir.path().join("bad.edl");
    std::fs::write(&edl, "enclave {\n trusted {\n  public void f(int *p);\n  public void g([in] void *q);\n };\n};\n")
        .expect("write");
    let out = secgear(&["edl", "check", edl.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.edl:3:22: error: pointer parameter `p`"),
        "{err}"
    );
    assert!(
        err.contains("bad.edl:4:28: error: `void*` parameter `q`"),
        "{err}"
    );
    assert!(err.contains("2 error(s)"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn defines_change_what_is_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let edl = dir.path().join("d.edl");
    std::fs::write(
        &edl,
        "enclave {\n#if VARIANT == 2\n trusted { public void two(void); };\n#endif\n};\n",
    )
    .expect("write");
    let path = edl.to_str().expect("utf8");
    let out = secgear(&["edl", "check", "-D", "VARIANT=2", path]);
    assert!(
        text(&out.stdout).starts_with("ok: 1 trusted"),
        "{}",
        text(&out.stderr)
    );
    let out = secgear(&["edl", "check", path]);
    assert!(text(&out.stdout).starts_with("ok: 0 trusted"));
}

#[test]
fn usage_errors_and_unreadable_files_exit_2() {
    assert_eq!(secgear(&["edl", "check"]).status.code(), Some(2));
    assert_eq!(secgear(&["edl", "frobnicate"]).status.code(), Some(2));
    assert_eq!(
        secgear(&["edl", "check", "-D", "1bad", "x.edl"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        secgear(&["edl", "gen", "--side", "moon", "x.edl"])
            .status
            .code(),
        Some(2)
    );
    let out = secgear(&["edl", "check", "/definitely/not/here.edl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /definitely/not/here.edl"));
    assert_eq!(secgear(&["--help"]).status.code(), Some(0));
}

#[test]
fn gen_writes_each_side() {
    let dir = tempfile::tempdir().expect("tmp");
    let edl = repo().join("examples/helloworld/helloworld.edl");
    let out_file = dir.path().join("hello_host.rs");
    let out = secgear(&[
        "edl",
        "gen",
        "--side",
        "host",
        edl.to_str().expect("utf8"),
        "-o",
        out_file.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let host = std::fs::read_to_string(&out_file).expect("written");
    assert!(host.contains("pub struct Client<T>") && host.contains("pub fn get_string("));
    let out = secgear(&[
        "edl",
        "gen",
        "--side",
        "enclave",
        edl.to_str().expect("utf8"),
    ]);
    assert!(text(&out.stdout).contains("pub trait Trusted"));
}

#[test]
fn gen_lang_c_writes_the_sides_files_into_the_directory() {
    let dir = tempfile::tempdir().expect("tmp");
    let edl = repo().join("examples/helloworld/helloworld.edl");
    let d = dir.path().to_str().expect("utf8");
    for side in ["host", "enclave"] {
        let out = secgear(&[
            "edl",
            "gen",
            "--side",
            side,
            "--lang",
            "c",
            "-o",
            d,
            edl.to_str().expect("utf8"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let header = std::fs::read_to_string(dir.path().join("helloworld_u.h")).expect("u.h");
    assert!(header.contains(
        "cc_enclave_result_t get_string(cc_enclave_t *enclave, int *retval, char *buf);"
    ));
    for f in ["helloworld_u.c", "helloworld_t.h", "helloworld_t.c"] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    // A directory that cannot exist: below a regular file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").expect("file");
    let below_a_file = file.join("gen");
    let unwritable = secgear(&[
        "edl",
        "gen",
        "--side",
        "host",
        "--lang",
        "c",
        "-o",
        below_a_file.to_str().expect("utf8"),
        edl.to_str().expect("utf8"),
    ]);
    assert_eq!(unwritable.status.code(), Some(2));
}

#[test]
fn the_original_codegen_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let (t, u) = (dir.path().join("t"), dir.path().join("u"));
    std::fs::create_dir_all(&t).expect("t");
    std::fs::create_dir_all(&u).expect("u");
    let root = corpus().join("secgear");
    let edl = root.join("examples/switchless/switchless.edl");
    let gp = root.join("sdk/inc/host_inc/gp");
    let s = |p: &Path| p.to_str().expect("utf8").to_string();
    let out = secgear(&[
        "edl",
        "codegen",
        "--trustzone",
        "--trusted",
        &s(&edl),
        "--search-path",
        &format!("/nonexistent:{}", s(&gp)),
        "--trusted-dir",
        &s(&t),
        "--untrusted-dir",
        &s(&u),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(t.join("switchless_t.h").exists() && t.join("switchless_t.c").exists());
    assert!(!u.join("switchless_u.h").exists(), "only the trusted side");
    // Neither side named: both; --header-only: no sources.
    let out = secgear(&[
        "edl",
        "codegen",
        "--sgx",
        "--header-only",
        &s(&edl),
        "--search-path",
        &s(&gp),
        "--trusted-dir",
        &s(&u),
        "--untrusted-dir",
        &s(&u),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(u.join("switchless_u.h").exists() && u.join("switchless_t.h").exists());
    assert!(!u.join("switchless_u.c").exists());
    // Exactly one backend.
    for flags in [&["--sgx", "--penglai"][..], &[][..]] {
        let mut args = vec!["edl", "codegen"];
        args.extend_from_slice(flags);
        let e = s(&edl);
        args.push(&e);
        assert_eq!(secgear(&args).status.code(), Some(2), "{flags:?}");
    }
}

#[test]
fn keygen_sign_measure_inspect() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = |n: &str| dir.path().join(n).to_str().expect("utf8").to_string();
    let key = p("dev.pem");
    assert_eq!(secgear(&["keygen", "-o", &key]).status.code(), Some(0));
    assert_eq!(
        secgear(&["keygen", "-o", &key]).status.code(),
        Some(2),
        "refuses to overwrite"
    );
    std::fs::write(
        p("enclave.toml"),
        "product_id = 9\nsecurity_version = 2\ndebug = true\nthreads = 2\n",
    )
    .expect("write");
    std::fs::write(p("exe"), b"\x7fELF not really, but bytes are bytes").expect("write");
    let out = secgear(&[
        "sign",
        "--key",
        &key,
        "--config",
        &p("enclave.toml"),
        &p("exe"),
        "-o",
        &p("exe.signed"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let measured = text(&secgear(&["measure", &p("exe.signed")]).stdout);
    let unsigned = text(&secgear(&["measure", "--config", &p("enclave.toml"), &p("exe")]).stdout);
    assert_eq!(measured, unsigned);
    assert_eq!(measured.trim().len(), 64);
    let inspected = text(&secgear(&["inspect", &p("exe.signed")]).stdout);
    assert!(
        inspected.contains(&format!("measurement:      {}", measured.trim())),
        "{inspected}"
    );
    assert!(
        inspected.contains("product id:       9") && inspected.contains("threads:          2"),
        "{inspected}"
    );
    let mut tampered = std::fs::read(p("exe.signed")).expect("read");
    tampered[3] ^= 1;
    std::fs::write(p("bad.signed"), tampered).expect("write");
    let out = secgear(&["inspect", &p("bad.signed")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("modified after signing"));
    assert_eq!(
        secgear(&["measure", &p("exe")]).status.code(),
        Some(2),
        "unsigned needs --config"
    );
}

fn vectors(path: &str) -> String {
    repo()
        .join("crates/secgear-attest/tests/data")
        .join(path)
        .to_str()
        .expect("utf8")
        .to_string()
}

#[test]
fn attest_verify_exit_codes_follow_the_appraisal() {
    let affirming = secgear(&[
        "attest",
        "verify",
        "--tee",
        "cca",
        "--evidence",
        &vectors("cca/cca-token-01.cbor"),
        "--trust-anchors",
        &vectors("cca/ta-tfa.json"),
        "--reference",
        &vectors("cca/rv.json"),
    ]);
    assert_eq!(
        affirming.status.code(),
        Some(0),
        "{}",
        text(&affirming.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&affirming.stdout).expect("JSON");
    assert_eq!(report["status"], "affirming");
    let untrusted = secgear(&[
        "attest",
        "verify",
        "--tee",
        "cca",
        "--evidence",
        &vectors("cca/cca-token-02.cbor"),
        "--trust-anchors",
        &vectors("cca/ta-02-bad.json"),
    ]);
    assert_eq!(untrusted.status.code(), Some(1));
    let dir = tempfile::tempdir().expect("tmp");
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, b"not evidence").expect("write");
    let malformed = secgear(&[
        "attest",
        "verify",
        "--tee",
        "cca",
        "--evidence",
        garbage.to_str().expect("utf8"),
    ]);
    assert_eq!(malformed.status.code(), Some(2));
    assert_eq!(
        secgear(&["attest", "verify", "--tee", "moon", "--evidence", "x"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn attest_verify_with_a_nonce_and_a_token_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let key = dir.path().join("token.pem");
    // A P-384 key in PKCS#8 PEM, made with the project's own keygen.
    assert_eq!(
        secgear(&["keygen", "-o", key.to_str().expect("utf8")])
            .status
            .code(),
        Some(0)
    );
    let base = [
        "attest",
        "verify",
        "--tee",
        "cca",
        "--evidence",
        &vectors("cca/cca-token-01.cbor"),
        "--trust-anchors",
        &vectors("cca/ta-tfa.json"),
        "--reference",
        &vectors("cca/rv.json"),
        "--token-key",
        key.to_str().expect("utf8"),
    ];
    let fresh = secgear(&[&base[..], &["--nonce", &"ab".repeat(64)]].concat());
    assert_eq!(fresh.status.code(), Some(0), "{}", text(&fresh.stderr));
    let report: serde_json::Value = serde_json::from_slice(&fresh.stdout).expect("JSON");
    let token = report["token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3);
    let stale = secgear(&[&base[..], &["--nonce", &"01".repeat(64)]].concat());
    assert_eq!(
        stale.status.code(),
        Some(1),
        "a nonce mismatch is contraindicated"
    );
    let report: serde_json::Value = serde_json::from_slice(&stale.stdout).expect("JSON");
    assert_eq!(report["status"], "contraindicated");
}

#[test]
fn attest_verify_huawei_vectors() {
    let virtcca = secgear(&[
        "attest",
        "verify",
        "--tee",
        "virtcca",
        "--evidence",
        &vectors("virtcca/virtcca-token.hex"),
        "--trust-anchors",
        &vectors("virtcca/huawei-it-product-ca.pem"),
    ]);
    assert_eq!(
        virtcca.status.code(),
        Some(1),
        "an unendorsed CVM key is never affirmed"
    );
    let itrustee = secgear(&[
        "attest",
        "verify",
        "--tee",
        "itrustee",
        "--evidence",
        &vectors("itrustee/report-sce-no-as.json"),
        "--trust-anchors",
        &vectors("itrustee/huawei-it-product-ca.pem"),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&itrustee.stdout).expect("JSON");
    assert_eq!(report["verified"]["checks"]["signature"]["result"], "ok");
    assert_eq!(report["verified"]["checks"]["endorsement"]["result"], "ok");
    assert_eq!(
        itrustee.status.code(),
        Some(1),
        "no reference values: executables unrecognized"
    );
}

#[test]
fn attest_event_log_prints_the_events_and_replayed_registers() {
    let dir = tempfile::tempdir().expect("dir");
    let head = repo().join("crates/secgear-attest/tests/data/eventlog/CCEL_data.head");
    // As /sys/firmware/acpi/tables/data/CCEL reads: zero-padded to 1 MiB.
    let mut log = std::fs::read(&head).expect("vector");
    log.resize(1 << 20, 0);
    let ccel = dir.path().join("CCEL");
    std::fs::write(&ccel, &log).expect("write");
    let out = secgear(&["attest", "event-log", ccel.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["events"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        json["events"][3]["type_name"],
        "EV_EFI_PLATFORM_FIRMWARE_BLOB2"
    );
    assert_eq!(json["events"][3]["digests"][0]["alg"], "SHA-384");
    assert!(
        json["registers"]["2"]["SHA-384"]
            .as_str()
            .is_some_and(|r| r.starts_with("0fa3be56")),
        "{json}"
    );
    // Truncated: exit 2 and the reason.
    let cut = dir.path().join("cut");
    std::fs::write(&cut, &log[..200]).expect("write");
    let out = secgear(&["attest", "event-log", cut.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("truncated"),
        "{}",
        text(&out.stderr)
    );
}

/// `secgear attest verify` over each new TEE's vector, inside and outside
/// its validity window: exit codes and `verified.checks.<name>.result`.
#[test]
fn attest_verify_intel_amd_and_nitro_vectors_at_a_given_time() {
    let run = |extra: &[&str]| {
        let mut args = vec!["attest", "verify"];
        args.extend_from_slice(extra);
        let out = secgear(&args);
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
        (out.status.code(), json)
    };
    let root = vectors("sgx/intel-sgx-root-ca.der");
    let sgx = |now: &str| {
        run(&[
            "--tee",
            "sgx",
            "--evidence",
            &vectors("sgx/sgx_quote"),
            "--collateral",
            &vectors("sgx/sgx_quote_collateral.json"),
            "--trust-anchors",
            &root,
            "--now",
            now,
        ])
    };
    let (code, json) = sgx("2025-07-19T10:01:17Z");
    let checks = &json["verified"]["checks"];
    for name in [
        "signature",
        "qe_report.signature",
        "qe_report.binding",
        "endorsement",
        "collateral",
        "qe_identity",
        "tcb",
    ] {
        assert_eq!(checks[name]["result"], "ok", "{name}: {json}");
    }
    assert_eq!(checks["freshness"]["result"], "not_checked");
    assert_eq!(
        json["verified"]["claims"]["tcb_status"],
        "ConfigurationAndSWHardeningNeeded"
    );
    // A warning status (and no reference values) is not affirming.
    assert_eq!(code, Some(1));
    assert_eq!(json["trust_vector"]["hardware"], 32);
    let (code, json) = sgx("2025-07-19T10:01:19Z");
    assert_eq!(code, Some(1));
    assert_eq!(json["verified"]["checks"]["collateral"]["result"], "failed");

    let (_, json) = run(&[
        "--tee",
        "tdx",
        "--evidence",
        &vectors("tdx/tdx_quote"),
        "--collateral",
        &vectors("tdx/tdx_quote_collateral.json"),
        "--trust-anchors",
        &root,
        "--now",
        "2025-07-19T10:00:34Z",
    ]);
    assert_eq!(
        json["verified"]["claims"]["tcb_status"], "UpToDate",
        "{json}"
    );
    assert_eq!(json["trust_vector"]["hardware"], 2);

    let (_, json) = run(&[
        "--tee",
        "snp",
        "--evidence",
        &vectors("snp/report_milan.hex"),
        "--cert-chain",
        &vectors("snp/vcek_milan.der"),
    ]);
    for name in ["signature", "endorsement", "collateral", "tcb"] {
        assert_eq!(
            json["verified"]["checks"][name]["result"], "ok",
            "{name}: {json}"
        );
    }

    let nitro = |now: &str| {
        run(&[
            "--tee",
            "nitro",
            "--evidence",
            &vectors("nitro/valid-attestation-doc-base64"),
            "--trust-anchors",
            &vectors("nitro/aws-nitro-root.pem"),
            "--now",
            now,
        ])
    };
    let (_, json) = nitro("2023-09-18T15:03:30Z");
    assert_eq!(
        json["verified"]["checks"]["endorsement"]["result"], "ok",
        "{json}"
    );
    assert_eq!(json["verified"]["checks"]["signature"]["result"], "ok");
    let (_, json) = nitro("2023-09-18T17:37:13Z");
    assert_eq!(
        json["verified"]["checks"]["endorsement"]["result"],
        "failed"
    );

    // Bad input: exit 2.
    let out = secgear(&[
        "attest",
        "verify",
        "--tee",
        "sgx",
        "--evidence",
        &vectors("sgx/sgx_quote"),
        "--now",
        "yesterday",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = secgear(&[
        "attest",
        "verify",
        "--tee",
        "snp",
        "--evidence",
        &vectors("sgx/sgx_quote"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
