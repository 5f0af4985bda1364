//! Serves the enclave's console I/O: it prints and reads through OCALLs.
#![forbid(unsafe_code)]

use secgear_host::{Enclave, TeeType};
use std::io::{BufRead, Write};
use std::process::ExitCode;

mod edl {
    secgear_abi::include_host!("ocall");
}

secgear_host::include_enclave_image!();

struct Console;

impl edl::Untrusted for Console {
    fn print_line(&self, line: &std::ffi::CStr) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", line.to_string_lossy());
        let _ = out.flush();
    }

    fn read_line(&self, buf: &mut [u8]) -> i32 {
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            return 0;
        }
        let bytes = line.trim_end().as_bytes();
        let n = bytes.len().min(buf.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        n as i32
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_writer(std::io::stderr)
        .init();
    let created = Enclave::builder(ENCLAVE_IMAGE)
        .tee(TeeType::Sim)
        .debug(true)
        .ocalls(edl::Ocalls(Console))
        .create();
    let result = created.and_then(|enclave| edl::Client::new(&enclave).greet_user());
    match result {
        Ok(0) => ExitCode::SUCCESS,
        Ok(code) => {
            eprintln!("error: {}", secgear_host::Error::from_code(code as u32));
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
