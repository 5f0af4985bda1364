//! Creates the helloworld enclave on the simulation TEE and prints what it says.
#![forbid(unsafe_code)]

use secgear_host::{Enclave, TeeType};
use std::ffi::CStr;
use std::process::ExitCode;

mod helloworld {
    secgear_abi::include_host!("helloworld");
}

secgear_host::include_enclave_image!();

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_writer(std::io::stderr)
        .init();
    match run() {
        Ok(greeting) => {
            println!("{greeting}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, secgear_host::Error> {
    let enclave = Enclave::builder(ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .expect_measurement(ENCLAVE_MEASUREMENT)
        .create()?;
    let hello = helloworld::Client::new(&enclave);
    let mut buf = [0u8; 32];
    let status = hello.get_string(&mut buf)?;
    enclave.destroy()?;
    if status != 0 {
        return Err(secgear_host::Error::from_code(status as u32));
    }
    let text = CStr::from_bytes_until_nul(&buf).map_err(|_| {
        secgear_host::Error::bad_parameters("the enclave returned an unterminated string")
    })?;
    Ok(text.to_string_lossy().into_owned())
}
