//! A C enclave on the simulation TEE: `tests/c/hello_enclave.c` (its ECALL
//! glue written out by hand, as the C generator emits it) is compiled with
//! gcc against the headers and libsecgear_tee.a, signed, and called from a
//! Rust host: the ECALL runs, and the C code's OCALL, sealing, randomness
//! and `PrintInfo` work, inside the same sandbox as Rust enclave code.

use secgear_abi::{CallKind, OcallDispatch, Reader, Writer};
use secgear_host::{Enclave, TeeType, Transport};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod common;

fn build_signed(dir: &Path) -> PathBuf {
    common::build_signed(
        dir,
        &[PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/c/hello_enclave.c"
        ))],
        &[],
        "product_id = 1\nsecurity_version = 1\ndebug = true\nthreads = 2\nheap_limit = 67108864\n",
        None,
    )
}

#[derive(Default)]
struct Notes(Mutex<Vec<String>>);

impl OcallDispatch for Notes {
    fn dispatch_ocall(&self, request: &[u8]) -> Vec<u8> {
        let parsed = Reader::request(request).and_then(|(header, mut r)| {
            assert_eq!((header.kind, header.function_id), (CallKind::Ocall, 0));
            let text = r.get_vec::<u8>()?;
            r.finish()?;
            Ok(String::from_utf8_lossy(&text).into_owned())
        });
        match parsed {
            Ok(text) => {
                self.0.lock().expect("notes").push(text);
                Writer::reply().finish()
            }
            Err(e) => Writer::error_reply(&e),
        }
    }
}

#[test]
fn a_rust_host_calls_a_c_enclave_which_seals_draws_randomness_and_calls_back() {
    let dir = tempfile::tempdir().expect("dir");
    let image = build_signed(dir.path());
    let notes = Arc::new(Notes::default());
    let enclave = Enclave::builder(&image)
        .tee(TeeType::Sim)
        .debug(true)
        .options(secgear_host::SimOptions::default().state_dir(dir.path().join("sim")))
        .ocalls(notes.clone())
        .create()
        .expect("create the C enclave");
    let reply = enclave
        .call(Writer::request(CallKind::Ecall, 0).finish())
        .expect("ECALL get_string");
    let mut r = Reader::reply(&reply).expect("reply");
    let ret: i32 = r.get().expect("return value");
    let buf: [u8; 32] = r.get().expect("buf");
    r.finish().expect("nothing else");
    assert_eq!(
        ret, 0,
        "the enclave's own checks (1 random, 2-4 and 7 sealing, 5 OCALL, 6 sandbox)"
    );
    assert!(buf.starts_with(b"secgear hello world!\0"), "{buf:?}");
    assert_eq!(*notes.0.lock().expect("notes"), ["secgear hello world!"]);
    // An id the C table does not have is refused, not a crash.
    let unknown = enclave
        .call(Writer::request(CallKind::Ecall, 9).finish())
        .expect("a reply");
    let refused = Reader::reply(&unknown).err().map(|e| e.kind());
    assert_eq!(refused, Some(secgear_abi::ErrorCode::InvalidCmd));
    enclave.destroy().expect("destroy");
}
