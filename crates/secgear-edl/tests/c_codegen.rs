//! The C generator: the files it writes for the EDL test data compile
//! warning-free with gcc against the SDK headers, and a few properties of
//! what it refuses.

use secgear_edl::{CFiles, CGenOptions, Options, Side, compile_file};
use std::path::{Path, PathBuf};
use std::process::Command;

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sdk_include() -> PathBuf {
    here().join("../../sdk/include/secGear")
}

fn generate(edl: &Path, search: &[PathBuf], side: Side) -> Result<CFiles, String> {
    let options = Options {
        search_paths: search.to_vec(),
        defines: Vec::new(),
    };
    let compiled = compile_file(edl, &options).map_err(|e| e.to_string())?;
    let stem = edl
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    compiled.generate_c(
        side,
        &CGenOptions {
            stem,
            source_name: edl
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        },
    )
}

/// Writes both files of `side` into `dir` and syntax-checks the source
/// (which includes the header) with every warning an error.
fn gcc_check(files: &CFiles, dir: &Path, extra_includes: &[PathBuf]) -> Result<(), String> {
    gcc_check_with(files, dir, extra_includes, &[])
}

fn gcc_check_with(
    files: &CFiles,
    dir: &Path,
    extra_includes: &[PathBuf],
    extra_args: &[&str],
) -> Result<(), String> {
    std::fs::write(dir.join(&files.header_name), &files.header).map_err(|e| e.to_string())?;
    let source = dir.join(&files.source_name);
    std::fs::write(&source, &files.source).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg("-I")
        .arg(sdk_include())
        .arg("-I")
        .arg(dir);
    for inc in extra_includes {
        cmd.arg("-I").arg(inc);
    }
    let out = cmd
        .args(extra_args)
        .arg(&source)
        .output()
        .map_err(|e| format!("gcc: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} does not compile:\n{}",
            files.source_name,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn kitchen_sink_compiles_on_both_sides() {
    let dir = here().join("../secgear-edl-loopback/edl");
    let stubs = here().join("tests/data/c-stubs");
    let out = tempfile::tempdir().expect("dir");
    for side in [Side::Host, Side::Enclave] {
        let files = generate(&dir.join("kitchen.edl"), &[dir.join("lib")], side).expect("generate");
        if let Ok(keep) = std::env::var("SECGEAR_KEEP_C") {
            let _ = std::fs::write(Path::new(&keep).join(&files.header_name), &files.header);
            let _ = std::fs::write(Path::new(&keep).join(&files.source_name), &files.source);
        }
        gcc_check(&files, out.path(), std::slice::from_ref(&stubs))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Corpus files whose C cannot be syntax-checked here: their headers come
/// from the Intel SGX SDK (not stubbed in `tests/data/c-stubs`), or, for
/// files meant to be imported, from the file that imports them.
const NEEDS_SDK_HEADERS: &[&str] = &[
    "intel-sgx/SampleCode/LocalAttestation/EnclaveInitiator/EnclaveInitiator.edl",
    "intel-sgx/SampleCode/LocalAttestation/EnclaveResponder/EnclaveResponder.edl",
    "intel-sgx/SampleCode/PowerTransition/Enclave/Enclave.edl",
    "intel-sgx/SampleCode/RemoteAttestation/isv_enclave/isv_enclave.edl",
    "intel-sgx/SampleCode/SampleEnclave/Enclave/Edger8rSyntax/Arrays.edl",
    "intel-sgx/SampleCode/SampleEnclave/Enclave/Edger8rSyntax/Pointers.edl",
    "intel-sgx/SampleCode/SampleEnclavePCL/Enclave/Edger8rSyntax/Arrays.edl",
    "intel-sgx/SampleCode/SampleEnclavePCL/Enclave/Edger8rSyntax/Pointers.edl",
    "intel-sgx/common/inc/sgx_tkey_exchange.edl",
    "intel-sgx/common/inc/sgx_ttls.edl",
    "intel-sgx/psw/ae/le/launch_enclave.edl",
    "intel-sgx/psw/ae/pce/pce.edl",
    "intel-sgx/psw/ae/pve/provision_enclave.edl",
    "intel-sgx/psw/ae/qe/quoting_enclave.edl",
    "intel-sgx/psw/ae/ref_le/ref_le.edl",
    "secgear/sdk/inc/host_inc/sgx/secgear_tkey_exchange.edl",
];

/// Every corpus file that checks gets C for both sides, and all but the
/// files above compile warning-free.
#[test]
fn corpus_generates_and_compiles() {
    let root = here().join("tests/data/edl-corpus");
    let stubs = here().join("tests/data/c-stubs");
    let out = tempfile::tempdir().expect("dir");
    let search: Vec<PathBuf> = [
        "secgear/sdk/inc/host_inc/sgx",
        "intel-sgx/common/inc",
        "intel-sgx/SampleCode/SampleAttestedTLS/common",
        "intel-sgx/SampleCode/SampleAttestedTLS/sgx_socket/include",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect();
    let (mut compiled, mut failures) = (0, Vec::new());
    for file in secgear_edl::edl_files_under(&root).expect("corpus") {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        let options = Options {
            search_paths: search.clone(),
            defines: Vec::new(),
        };
        if compile_file(&file, &options).expect("read").has_errors() {
            // tests/corpus.rs pins these failures down.
            continue;
        }
        for side in [Side::Host, Side::Enclave] {
            let files = match generate(&file, &search, side) {
                Ok(f) => f,
                Err(e) => {
                    failures.push(format!("{rel} ({side:?}): {e}"));
                    continue;
                }
            };
            if NEEDS_SDK_HEADERS.contains(&rel.as_str()) {
                continue;
            }
            // edger8r's headers always bring sgx_status_t; some EDLs rely on it.
            match gcc_check_with(
                &files,
                out.path(),
                std::slice::from_ref(&stubs),
                &["-include", "sgx_error.h"],
            ) {
                Ok(()) => compiled += 1,
                Err(e) => failures.push(format!("{rel} ({side:?}): {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compiled >= 100, "only {compiled} sides compiled");
}

#[test]
fn the_original_generators_prototypes() {
    let edl = here().join("../../examples/helloworld/helloworld.edl");
    let host = generate(&edl, &[], Side::Host).expect("host");
    assert!(
        host.header.contains(
            "cc_enclave_result_t get_string(cc_enclave_t *enclave, int *retval, char *buf);"
        ),
        "{}",
        host.header
    );
    let enclave = generate(&edl, &[], Side::Enclave).expect("enclave");
    assert!(enclave.header.contains("int get_string(char *buf);"));
    assert!(
        enclave
            .header
            .contains("#define PrintInfo(level, fmt, ...)")
    );
    assert!(
        enclave
            .source
            .contains("const sg_ecall_table_t sg_enclave_ecalls")
    );
    assert!(
        enclave
            .source
            .contains("const sg_ocall_info_t sg_enclave_ocalls")
    );
    assert_eq!(
        (host.header_name.as_str(), host.source_name.as_str()),
        ("helloworld_u.h", "helloworld_u.c")
    );
    assert_eq!(
        (enclave.header_name.as_str(), enclave.source_name.as_str()),
        ("helloworld_t.h", "helloworld_t.c")
    );
}

fn generate_str(text: &str, side: Side) -> Result<CFiles, String> {
    let c = secgear_edl::compile_str(Path::new("t.edl"), text.into(), &Options::default());
    assert!(!c.has_errors(), "{}", c.render_diagnostics());
    c.generate_c(
        side,
        &CGenOptions {
            stem: "t".into(),
            source_name: "t.edl".into(),
        },
    )
}

#[test]
fn what_c_cannot_say_is_refused_with_a_reason() {
    let cases = [
        (
            "enclave { trusted { public int f(int retval); }; };",
            "parameter `retval` of `f` clashes",
        ),
        (
            "enclave { trusted { public int f(int sg__x); }; };",
            "names starting with `sg__`",
        ),
        (
            "enclave { trusted { public void f(void) transition_using_threads; public void f_async(void); }; };",
            "`f_async` clashes with the asynchronous stub",
        ),
        (
            "enclave { struct in { size_t n; [count=n] int *v; }; \
             struct out { size_t n; [count=n] struct in *v; }; \
             trusted { public void f([in] struct out *o); }; };",
            "deep-copies another deep-copy structure",
        ),
        (
            "enclave { union u { long double d; int i; }; trusted { public void f(union u x); }; };",
            "holds a long double",
        ),
    ];
    for (edl, why) in cases {
        let err = generate_str(edl, Side::Host).expect_err(edl);
        assert!(err.contains(why), "{edl}: {err}");
    }
}

/// Shapes the kitchen sink lacks, compiled on both sides: deep structures
/// in slices, `size` and `count` together, `bool` and `long double` in
/// structures and sequences, hidden lengths of narrow types, `[out]`
/// structures, foreign size types, and a function with no parameters.
#[test]
fn uncommon_shapes_compile() {
    let edl = r#"enclave {
        include "sys/socket.h"
        struct flags { bool on; long double scale; int8_t k[3]; };
        struct bag { uint16_t n; [count=n] struct flags *f; [size=32] char *name; void *opaque; };
        enum wide { W_NEG = -1, W_BIG = 0x100000000 };
        trusted {
            public void bags([in, out, count=n] struct bag *b, size_t n);
            public void sized([in, size=4, count=k] uint16_t *v, int k, [out, size=bytes, count=2] uint32_t *w, long bytes);
            public bool flagged([in, count=n] bool *b, uint8_t n, [out, count=2] struct flags *out);
            public long double widen([in, out, count=3] long double *v);
            public void sock([in, size=len] const void *addr, socklen_t len, [out, size=len2] void *peer, socklen_t len2);
            public enum wide w(enum wide x, [in, wstring] const wchar_t *s, [in, out, wstring] wchar_t *t);
            public void nothing(void);
        };
        untrusted {
            struct flags oflags([in] struct flags *f, [user_check] char *p) propagate_errno;
            void obags([in, count=n] struct bag *b, size_t n) allow(nothing);
        };
    };"#;
    let out = tempfile::tempdir().expect("dir");
    for side in [Side::Host, Side::Enclave] {
        let files = generate_str(edl, side).expect("generate");
        if let Ok(keep) = std::env::var("SECGEAR_KEEP_C") {
            let _ = std::fs::write(Path::new(&keep).join(&files.header_name), &files.header);
            let _ = std::fs::write(Path::new(&keep).join(&files.source_name), &files.source);
        }
        gcc_check(&files, out.path(), &[]).unwrap_or_else(|e| panic!("{e}"));
    }
}
