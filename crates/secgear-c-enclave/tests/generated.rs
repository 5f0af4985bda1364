//! One EDL, both languages: the C helloworld enclave (`examples/c/helloworld`:
//! its `hello.c` and the `helloworld_t.c` the C generator writes) serves a
//! Rust host through the Rust bindings generated from the same EDL file.

mod edl {
    secgear_abi::include_host!("helloworld");
}

use secgear_host::{Enclave, TeeType};
use std::path::{Path, PathBuf};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/c/helloworld");
const INCLUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/include/secGear");
const NATIVE_LIBS: [&str; 6] = ["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

fn staticlib() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let deps = exe.parent().expect("target/<profile>/deps/<test>");
    [deps, deps.parent().unwrap_or(deps)]
        .into_iter()
        .map(|d| d.join("libsecgear_tee.a"))
        .find(|p| p.exists())
        .expect("libsecgear_tee.a next to the test")
}

/// The C enclave of the example, generated, compiled and signed into `dir`.
fn c_enclave(dir: &Path) -> PathBuf {
    let options = secgear_edl::Options {
        search_paths: vec![PathBuf::from(INCLUDE)],
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
    let image = dir.join("enclave.so");
    let status = std::process::Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(dir)
        .arg("-I")
        .arg(INCLUDE)
        .arg(Path::new(EXAMPLE).join("enclave/hello.c"))
        .arg(dir.join(&files.source_name))
        .arg(staticlib())
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&image)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed");
    let config = secgear_sign::Config::load(&Path::new(EXAMPLE).join("enclave/enclave.toml"))
        .expect("config");
    let key = secgear_sign::generate_key().expect("key");
    let signed =
        secgear_sign::sign(&std::fs::read(&image).expect("image"), &config, &key).expect("sign");
    let path = dir.join("enclave.signed.so");
    std::fs::write(&path, signed).expect("write");
    path
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
