//! One EDL, both languages: the C helloworld enclave (`examples/c/helloworld`:
//! its `hello.c` and the `helloworld_t.c` the C generator writes) serves a
//! Rust host through the Rust bindings generated from the same EDL file.

mod edl {
    secgear_abi::include_host!("helloworld");
}

use secgear_host::{Enclave, TeeType};
use std::path::{Path, PathBuf};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/c/helloworld");
mod common;

/// The C enclave of the example, generated, compiled and signed into `dir`.
fn c_enclave(dir: &Path) -> PathBuf {
    let options = secgear_edl::Options {
        search_paths: vec![PathBuf::from(common::INCLUDE)],
        ..Default::default()
    };
    let compiled = secgear_edl::compile_file(&Path::new(EXAMPLE).join("helloworld.edl"), &options)
        .expect("read");
    let files = compiled
        .generate_c(
            secgear_edl::Side::Enclave,
            &secgear_edl::CGenOptions {
                stem: "helloworld".into(),
                source_name: "helloworld.edl".into(),
            },
        )
        .expect("generate");
    std::fs::write(dir.join(&files.header_name), &files.header).expect("header");
    std::fs::write(dir.join(&files.source_name), &files.source).expect("source");
    let config = std::fs::read_to_string(Path::new(EXAMPLE).join("enclave/enclave.toml"))
        .expect("enclave.toml");
    common::build_signed(
        dir,
        &[
            Path::new(EXAMPLE).join("enclave/hello.c"),
            dir.join(&files.source_name),
        ],
        &[dir],
        &config,
    )
}

#[test]
fn a_rust_host_calls_the_c_helloworld_through_bindings_of_the_same_edl() {
    let dir = tempfile::tempdir().expect("dir");
    let enclave = Enclave::builder(c_enclave(dir.path()))
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(dir.path().join("sim")))
        .create()
        .expect("create the C enclave");
    let client = edl::Client::new(&enclave);
    let mut buf = [0u8; 32];
    assert_eq!(client.get_string(&mut buf).expect("get_string"), 0);
    assert!(buf.starts_with(b"secgear hello world!\0"), "{buf:?}");
    enclave.destroy().expect("destroy");
}
