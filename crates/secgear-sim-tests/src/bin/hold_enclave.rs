//! Test helper: creates the test enclave, optionally starts an ECALL that
//! never returns, prints the enclave's pid, and waits to be killed (the
//! orphan tests kill this host and watch the enclave end).
#![forbid(unsafe_code)]

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(state) = args.next() else {
        eprintln!("usage: hold_enclave STATE_DIR [busy]");
        std::process::exit(2);
    };
    let busy = args.next().as_deref() == Some("busy");
    // Busy: one slot, so no idle worker is left to notice the host is gone.
    let enclave = secgear_host::Enclave::builder(secgear_sim_tests::ENCLAVE_IMAGE)
        .tee(secgear_host::TeeType::Sim)
        .debug(true)
        .threads(if busy { 1 } else { 4 })
        .options(secgear_host::SimOptions::default().state_dir(state))
        .create();
    let enclave = match enclave {
        Ok(e) => std::sync::Arc::new(e),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if busy {
        let enclave = enclave.clone();
        std::thread::spawn(move || {
            let _ = secgear_sim_tests::edl::Client::new(&*enclave).sleep_ms(u32::MAX);
        });
        // Long enough for the call to be inside the enclave.
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    println!(
        "{}",
        enclave
            .details::<secgear_host::sim::SimDetails>()
            .map_or(0, |d| d.process_id)
    );
    let _ = std::io::stdout().flush();
    std::thread::sleep(std::time::Duration::from_secs(600));
}
