//! One EDL, both languages: the C example enclaves (`examples/c/<name>`:
//! their `.c` files and the `<name>_t.c` the C generator writes) serve a
//! Rust host through the Rust bindings generated from the same EDL file;
//! and sealed data crosses between a Rust and a C enclave of one signer.

mod helloworld {
    secgear_abi::include_host!("helloworld");
}
mod seal_data {
    secgear_abi::include_host!("seal_data");
}
mod common;

use secgear_host::{Enclave, TeeType};
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/c")
        .join(name)
}

/// The C enclave of example `name`, generated, compiled and signed into
/// `dir` with `key` (a fresh one if `None`) and `config` (the example's
/// enclave.toml if `None`).
fn c_enclave(dir: &Path, name: &str, key: Option<&Path>, config: Option<&str>) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let options = secgear_edl::Options {
        search_paths: vec![PathBuf::from(common::INCLUDE)],
        ..Default::default()
    };
    let compiled = secgear_edl::compile_file(&example(name).join(format!("{name}.edl")), &options)
        .expect("read");
    let files = compiled
        .generate_c(
            secgear_edl::Side::Enclave,
            &secgear_edl::CGenOptions {
                stem: name.into(),
                source_name: format!("{name}.edl"),
            },
        )
        .expect("generate");
    std::fs::write(dir.join(&files.header_name), &files.header).expect("header");
    std::fs::write(dir.join(&files.source_name), &files.source).expect("source");
    let config = config.map_or_else(
        || std::fs::read_to_string(example(name).join("enclave/enclave.toml")).expect("toml"),
        str::to_owned,
    );
    let mut sources: Vec<PathBuf> = std::fs::read_dir(example(name).join("enclave"))
        .expect("enclave sources")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.push(dir.join(&files.source_name));
    common::build_signed(dir, &sources, &[dir], &config, key)
}

fn create(image: &Path, state: &Path) -> Enclave {
    Enclave::builder(image)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(state))
        .create()
        .expect("create")
}

#[test]
fn a_rust_host_calls_the_c_helloworld_through_bindings_of_the_same_edl() {
    let dir = tempfile::tempdir().expect("dir");
    let enclave = create(
        &c_enclave(dir.path(), "helloworld", None, None),
        &dir.path().join("sim"),
    );
    let client = helloworld::Client::new(&enclave);
    let mut buf = [0u8; 32];
    assert_eq!(client.get_string(&mut buf).expect("get_string"), 0);
    assert!(buf.starts_with(b"secgear hello world!\0"), "{buf:?}");
    enclave.destroy().expect("destroy");
}

/// The key secgear-build signed the Rust test enclave with.
fn test_enclave_key() -> PathBuf {
    if let Some(key) = std::env::var_os("SECGEAR_SIGNING_KEY") {
        return key.into();
    }
    let exe = std::env::current_exe().expect("exe");
    // <target>/<profile>/deps/<test>
    exe.ancestors()
        .nth(3)
        .expect("target dir")
        .join("secgear-dev-signing-key.pem")
}

#[test]
fn a_blob_sealed_by_a_rust_enclave_is_unsealed_by_the_c_one_of_the_same_signer() {
    let dir = tempfile::tempdir().expect("dir");
    let state = dir.path().join("sim");
    // The Rust test enclave seals with the signer policy (its `seal` ECALL, policy 2).
    let rust = create(Path::new(secgear_sim_tests::ENCLAVE_IMAGE), &state);
    let secret = b"sealed in Rust, read in C";
    let mut blob = vec![0u8; 4096];
    let len = secgear_sim_tests::edl::Client::new(&rust)
        .seal(secret, 2, &mut blob)
        .expect("seal");
    assert!(len > 0, "the Rust enclave could not seal");
    blob.truncate(len);
    rust.destroy().expect("destroy");

    // The C seal_data enclave, signed by the same key with the same product id.
    let key = test_enclave_key();
    let same_signer =
        "product_id = 7\nsecurity_version = 3\ndebug = true\nthreads = 2\nheap_limit = 67108864\n";
    let c = create(
        &c_enclave(dir.path(), "seal_data", Some(&key), Some(same_signer)),
        &state,
    );
    let client = seal_data::Client::new(&c);
    let (mut data, mut aad) = ([0u8; 64], [0u8; 64]);
    assert_eq!(
        client
            .unseal_blob(&blob, &mut data, &mut aad)
            .expect("unseal_blob"),
        0
    );
    assert!(
        data.starts_with(secret) && data[secret.len()] == 0,
        "{data:?}"
    );
    assert!(aad.starts_with(b"test-aad\0"), "{aad:?}");
    // Another signer's enclave cannot.
    let other = create(
        &c_enclave(
            &dir.path().join("other"),
            "seal_data",
            None,
            Some(same_signer),
        ),
        &state,
    );
    let refused = seal_data::Client::new(&other).unseal_blob(&blob, &mut data, &mut aad);
    assert_eq!(
        refused.expect("a status") as u32,
        secgear_abi::ErrorCode::MacInvalid.code()
    );
}
