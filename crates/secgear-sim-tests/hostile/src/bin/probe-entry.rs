//! A probe image that starts the runtime: its constructor makes every
//! attempt before `main`, and its one ECALL reports the outcomes.

mod edl {
    secgear_abi::include_enclave!("probe");
}

// SAFETY: a constructor in .init_array runs before main with the C
// library initialised; it only runs the probes, which need nothing else.
#[used]
#[unsafe(link_section = ".init_array")]
static CONSTRUCTOR: extern "C" fn() = constructor;

extern "C" fn constructor() {
    secgear_hostile_enclaves::run_once();
}

struct Probe;

impl edl::Trusted for Probe {
    fn probe_results(&self, buf: &mut [u8]) -> usize {
        let report = secgear_hostile_enclaves::results().as_bytes();
        let n = report.len().min(buf.len());
        buf[..n].copy_from_slice(&report[..n]);
        n
    }
}

secgear_enclave::entry!(edl, Probe);
