//! Snapshots of generated code. A change to the generator shows up here as a
//! reviewed diff (`INSTA_UPDATE=always cargo test -p secgear-edl --test snapshots`).

use secgear_edl::{GenOptions, Options, Side, compile_file, compile_str};
use std::path::{Path, PathBuf};

fn generate(edl: &Path, search: &[PathBuf], side: Side) -> String {
    let options = Options {
        search_paths: search.to_vec(),
        defines: Vec::new(),
    };
    let compiled = compile_file(edl, &options).expect("read");
    assert!(!compiled.has_errors(), "{}", compiled.render_diagnostics());
    let gen_options = GenOptions {
        source_name: edl.file_name().expect("name").to_string_lossy().into(),
        ..Default::default()
    };
    compiled.generate(side, &gen_options).expect("generate")
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn helloworld() {
    let edl = workspace().join("examples/helloworld/helloworld.edl");
    insta::assert_snapshot!("helloworld_host", generate(&edl, &[], Side::Host));
    insta::assert_snapshot!("helloworld_enclave", generate(&edl, &[], Side::Enclave));
}

#[test]
fn kitchen_sink() {
    let dir = workspace().join("crates/secgear-edl-loopback/edl");
    let edl = dir.join("kitchen.edl");
    insta::assert_snapshot!(
        "kitchen_host",
        generate(&edl, &[dir.join("lib")], Side::Host)
    );
    insta::assert_snapshot!(
        "kitchen_enclave",
        generate(&edl, &[dir.join("lib")], Side::Enclave)
    );
}

#[test]
fn intel_sample_types() {
    let edl = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "tests/data/edl-corpus/intel-sgx/SampleCode/SampleEnclave/Enclave/Edger8rSyntax/Types.edl",
    );
    insta::assert_snapshot!("intel_types_host", generate(&edl, &[], Side::Host));
}

#[test]
fn names_that_clash_with_generated_items_are_refused() {
    let c = compile_str(
        Path::new("clash.edl"),
        "enclave { struct Client { int x; }; trusted { public void new(void); }; };".into(),
        &Options::default(),
    );
    assert!(!c.has_errors());
    let err = c
        .generate(Side::Host, &GenOptions::default())
        .expect_err("clash");
    assert!(err.contains("`Client` clashes"), "{err}");
    assert!(err.contains("function `new` clashes"), "{err}");
    for (edl, needle) in [
        (
            "trusted { public void f(int self, int self_); };",
            "parameter `self_` collides",
        ),
        (
            "enum e { RED }; trusted { public void f(int RED); };",
            "parameter `RED` of `f`",
        ),
        (
            "struct T { int x; }; trusted { public void f(void); };",
            "`T` clashes",
        ),
        (
            "struct s { int self; int self_; }; trusted { public void f(void); };",
            "member `self_` collides",
        ),
    ] {
        let c = compile_str(
            Path::new("c.edl"),
            format!("enclave {{ {edl} }};"),
            &Options::default(),
        );
        assert!(!c.has_errors(), "{edl}: {}", c.render_diagnostics());
        let err = c
            .generate(Side::Enclave, &GenOptions::default())
            .expect_err(edl);
        assert!(err.contains(needle), "{edl}: {err}");
    }
}
