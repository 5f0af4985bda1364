//! Seal in one enclave instance, persist the blob on the host, unseal in a
//! new instance; then show that an enclave with another identity cannot.
#![forbid(unsafe_code)]

use secgear_host::{Enclave, Error, TeeType};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod edl {
    secgear_abi::include_host!("seal_data");
}

secgear_host::include_enclave_image!();

/// The host's part: it stores what the enclave gives it, opaque bytes.
struct BlobStore {
    path: PathBuf,
}

impl edl::Untrusted for BlobStore {
    fn save_blob(&self, blob: &[u8]) -> i32 {
        let tmp = self.path.with_extension("tmp");
        match std::fs::write(&tmp, blob).and_then(|()| std::fs::rename(&tmp, &self.path)) {
            Ok(()) => 0,
            Err(e) => e.raw_os_error().unwrap_or(-1),
        }
    }

    fn load_blob(&self, blob: &mut [u8], len: &mut usize) -> i32 {
        match std::fs::read(&self.path) {
            Ok(data) if data.len() <= blob.len() => {
                blob[..data.len()].copy_from_slice(&data);
                *len = data.len();
                0
            }
            Ok(_) => -1,
            Err(e) => e.raw_os_error().unwrap_or(-1),
        }
    }
}

fn start(image: &Path, store: &Path) -> Result<Enclave, Error> {
    Enclave::builder(image)
        .tee(TeeType::Sim)
        .debug(true)
        .ocalls(edl::Ocalls(BlobStore {
            path: store.to_path_buf(),
        }))
        .create()
}

fn unseal_with(enclave: &Enclave) -> Result<String, Error> {
    let mut secret = [0u8; 256];
    match edl::Client::new(enclave).load_and_unseal(&mut secret)? {
        0 => Ok(
            String::from_utf8_lossy(secret.split(|b| *b == 0).next().unwrap_or_default())
                .into_owned(),
        ),
        code => Err(Error::from_code(code as u32)),
    }
}

fn run(store: &Path) -> Result<(), Error> {
    let image = Path::new(ENCLAVE_IMAGE);
    let first = start(image, store)?;
    match edl::Client::new(&first).seal_and_store(c"the launch codes")? {
        0 => println!("sealed a secret and stored the blob at {}", store.display()),
        code => return Err(Error::from_code(code as u32)),
    }
    first.destroy()?;
    let second = start(image, store)?;
    println!(
        "a new instance of the same enclave unsealed: {}",
        unseal_with(&second)?
    );
    second.destroy()?;
    // The same code signed with another configuration is another enclave.
    let signed = std::fs::read(image).map_err(|e| Error::bad_parameters(e.to_string()))?;
    let verified =
        secgear_sign::verify(&signed).map_err(|e| Error::bad_parameters(e.to_string()))?;
    let mut config = verified.config;
    config.security_version += 1;
    let key = secgear_sign::generate_key().map_err(|e| Error::bad_parameters(e.to_string()))?;
    let other = store.with_extension("other-enclave");
    let resigned = secgear_sign::sign(&verified.executable, &config, &key)
        .map_err(|e| Error::bad_parameters(e.to_string()))?;
    std::fs::write(&other, resigned).map_err(|e| Error::bad_parameters(e.to_string()))?;
    let stranger = start(&other, store)?;
    match unseal_with(&stranger) {
        Ok(leaked) => Err(Error::bad_parameters(format!(
            "another enclave unsealed the secret: {leaked}"
        ))),
        Err(e) => {
            println!("a different enclave cannot unseal it: {e}");
            let _ = std::fs::remove_file(&other);
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_writer(std::io::stderr)
        .init();
    let store = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("secgear-seal-data.blob"));
    match run(&store) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
