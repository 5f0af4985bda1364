//! Every EDL of the corpus (secGear and the Intel SGX SDK) through the
//! checker and both code generators. The corpus is enumerated, so a file
//! added to it is covered without touching this test: it must pass unless it
//! is listed below as an expected failure with its exact diagnostic.

use secgear_edl::{GenOptions, Options, Side, compile_file, compile_str, edl_files_under};
use std::path::{Path, PathBuf};

/// Files that cannot pass, and the exact error messages they must give.
/// SGX SSL's `sgx_tsgxssl.edl` is not part of the corpus (or of the SGX SDK).
const EXPECTED_FAILURES: &[(&str, &[&str])] = &[
    (
        "intel-sgx/SampleCode/SampleAttestedTLS/client/tls_client.edl",
        &[SSL_MISSING],
    ),
    (
        "intel-sgx/SampleCode/SampleAttestedTLS/server/tls_server.edl",
        &[SSL_MISSING],
    ),
    ("secgear/examples/secgear_da/da.edl", &[SSL_MISSING]),
    ("secgear/examples/secgear_kms/kms.edl", &[SSL_MISSING]),
    (
        "secgear/examples/secure_channel/sc_demo.edl",
        &[SSL_MISSING],
    ),
    (
        "secgear/sdk/component/secure_channel/secure_channel.edl",
        &[SSL_MISSING],
    ),
    (
        "secgear/sdk/inc/host_inc/sgx/secgear_tssl.edl",
        &[SSL_MISSING],
    ),
];
const SSL_MISSING: &str = "imported file \"sgx_tsgxssl.edl\" not found";

/// Eclipse plug-in templates hold `$(enclaveName)` placeholders.
const TEMPLATE_ERROR: &str = "unexpected character `$`";

fn corpora() -> Vec<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![here.join("tests/data/edl-corpus")];
    let shared = here.join("../../../shared/edl-corpus");
    if shared.is_dir() {
        roots.push(shared);
    }
    roots
}

fn search_paths(root: &Path, tee: &str) -> Options {
    let dirs = [
        format!("secgear/sdk/inc/host_inc/{tee}"),
        "secgear/sdk/component/secure_channel".into(),
        "secgear/sdk/component/secure_mapping".into(),
        "intel-sgx/common/inc".into(),
        "intel-sgx/SampleCode/SampleAttestedTLS/common".into(),
        "intel-sgx/SampleCode/SampleAttestedTLS/sgx_socket/include".into(),
    ];
    Options {
        search_paths: dirs.iter().map(|d| root.join(d)).collect(),
        defines: Vec::new(),
    }
}

fn error_messages(c: &secgear_edl::Compiled) -> Vec<String> {
    let mut msgs: Vec<String> = c.diagnostics.errors().map(|d| d.message.clone()).collect();
    msgs.dedup();
    msgs
}

#[test]
fn every_corpus_file_checks_and_generates_or_fails_as_expected() {
    let mut checked = 0;
    for root in corpora() {
        let options = search_paths(&root, "sgx");
        let files = edl_files_under(&root).expect("corpus");
        assert!(
            files.len() >= 88,
            "corpus at {} looks incomplete",
            root.display()
        );
        for file in files {
            let rel = file
                .strip_prefix(&root)
                .expect("inside root")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&file).expect("read");
            let compiled = compile_file(&file, &options).expect("readable");
            let errors = error_messages(&compiled);
            if text.contains("$(") {
                assert!(
                    errors
                        .iter()
                        .all(|e| e == TEMPLATE_ERROR || !e.contains('$')),
                    "{rel}: {errors:?}"
                );
                assert!(
                    errors.iter().any(|e| e == TEMPLATE_ERROR),
                    "{rel}: {errors:?}"
                );
                // Instantiated as the plug-in would, the template is valid.
                let filled = compile_str(&file, text.replace("$(enclaveName)", "Sample"), &options);
                assert!(
                    !filled.has_errors(),
                    "{rel} instantiated:\n{}",
                    filled.render_diagnostics()
                );
                checked += 1;
                continue;
            }
            match EXPECTED_FAILURES.iter().find(|(p, _)| *p == rel) {
                Some((_, expected)) => {
                    assert_eq!(
                        errors,
                        expected.to_vec(),
                        "{rel}:\n{}",
                        compiled.render_diagnostics()
                    );
                }
                None => {
                    assert!(
                        errors.is_empty(),
                        "{rel}:\n{}",
                        compiled.render_diagnostics()
                    );
                    for side in [Side::Host, Side::Enclave] {
                        let code = compiled.generate(side, &GenOptions::default());
                        assert!(code.is_ok(), "{rel} ({side:?}): {code:?}");
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 88);
}

/// With the iTrustee (GP) wrapper EDLs, which import nothing from Intel, every
/// secGear file resolves, including those that need SGX SSL on SGX.
#[test]
fn secgear_corpus_passes_with_the_gp_wrappers() {
    for root in corpora() {
        let options = search_paths(&root, "gp");
        for file in edl_files_under(&root.join("secgear")).expect("corpus") {
            if file.to_string_lossy().contains("host_inc/sgx/") {
                continue;
            }
            let compiled = compile_file(&file, &options).expect("readable");
            assert!(
                !compiled.has_errors(),
                "{}:\n{}",
                file.display(),
                compiled.render_diagnostics()
            );
        }
    }
}

#[test]
fn missing_import_diagnostic_names_the_file_and_the_search_path() {
    let root = &corpora()[0];
    let compiled = compile_file(
        &root.join("secgear/examples/secgear_kms/kms.edl"),
        &search_paths(root, "sgx"),
    )
    .expect("readable");
    let text = compiled.render_diagnostics();
    assert!(
        text.contains("secgear_tssl.edl:3:10: error: imported file \"sgx_tsgxssl.edl\" not found"),
        "{text}"
    );
    assert!(text.contains("note: searched: "), "{text}");
    assert!(text.contains("intel-sgx/common/inc"), "{text}");
}
