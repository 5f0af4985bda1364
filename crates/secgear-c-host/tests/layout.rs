//! The installed headers against the library's own numbers: gcc compiles a
//! file of `_Static_assert`s generated from the Rust side (type sizes and
//! field offsets, every enumerator and flag, every result code), so a header
//! that drifts from the library fails to compile.

use std::fmt::Write as _;
use std::path::Path;

const INCLUDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/include/secGear");

fn static_asserts() -> String {
    let mut c = String::from(
        "#include <stddef.h>\n#include \"enclave.h\"\n#include \"status.h\"\n#include \"secgear_uswitchless.h\"\n\
         #include \"secure_channel_client.h\"\n#include \"secure_channel_host.h\"\n\
         #include \"rust_attestation_agent.h\"\n",
    );
    let facts = secgear::types::layout_facts()
        .into_iter()
        .chain(csecure_channel::types::layout_facts())
        .chain(usecure_channel::types::layout_facts())
        .chain(attestation_agent::types::layout_facts());
    for (expr, value) in facts {
        writeln!(
            c,
            "_Static_assert({expr} == {value}ULL, \"{expr} is {value} in libsecgear\");"
        )
        .expect("write");
    }
    for (name, value, _) in secgear_abi::status::C_CODES {
        writeln!(
            c,
            "_Static_assert({name} == {value:#x}U, \"{name} is {value:#x} in libsecgear\");"
        )
        .expect("write");
    }
    c.push_str(
        "_Static_assert(sizeof(cc_enclave_result_t) == 4, \"cc_enclave_result_t is 32 bits\");\n",
    );
    c.push_str("int main(void) { return 0; }\n");
    c
}

fn gcc(dir: &Path, source: &str) -> std::process::Output {
    let file = dir.join("layout.c");
    std::fs::write(&file, source).expect("write the C file");
    std::process::Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-I", INCLUDE])
        .arg(&file)
        .arg("-o")
        .arg(dir.join("layout"))
        .output()
        .expect("run gcc")
}

#[test]
fn the_headers_agree_with_the_library_on_every_size_offset_and_value() {
    let dir = tempfile::tempdir().expect("dir");
    let out = gcc(dir.path(), &static_asserts());
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_header_that_drifts_fails_the_check() {
    // The check itself must be able to fail: the same file against a wrong value.
    let dir = tempfile::tempdir().expect("dir");
    let wrong = static_asserts().replace(
        "_Static_assert(AUTO_ENCLAVE_TYPE == 3ULL",
        "_Static_assert(AUTO_ENCLAVE_TYPE == 4ULL",
    );
    assert!(!gcc(dir.path(), &wrong).status.success());
}
