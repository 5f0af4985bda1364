//! Test helper: creates the test enclave, prints its pid, and waits to be
//! killed (the orphan test kills this host and watches the enclave end).
#![forbid(unsafe_code)]

use std::io::Write;

fn main() {
    let Some(state) = std::env::args().nth(1) else {
        eprintln!("usage: hold_enclave STATE_DIR");
        std::process::exit(2);
    };
    let enclave = secgear_host::Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(secgear_host::TeeType::Sim)
        .debug(true)
        .sim_state_dir(state)
        .create();
    let enclave = match enclave {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", enclave.info().process_id.unwrap_or(0));
    let _ = std::io::stdout().flush();
    std::thread::sleep(std::time::Duration::from_secs(600));
}
