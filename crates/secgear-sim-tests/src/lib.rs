//! The test enclave's host bindings and image, shared by the integration tests.
#![forbid(unsafe_code)]

pub mod edl {
    secgear_abi::include_host!("tests");
}

/// How the benchmarks time calls.
pub mod measure {
    use std::time::{Duration, Instant};

    /// The `p` quantile of sorted samples.
    pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
    }

    /// Times `n` calls one by one, after `n / 10` untimed: (p50, p99).
    pub fn latencies(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
        for _ in 0..n / 10 {
            f();
        }
        let mut samples: Vec<Duration> = (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        samples.sort();
        (percentile(&samples, 0.5), percentile(&samples, 0.99))
    }
}

/// Host functions that answer at once, for measuring calls (the benchmarks).
pub struct QuietHost;

impl edl::Untrusted for QuietHost {
    fn host_double(&self, x: i32) -> i32 {
        x * 2
    }
    fn host_thread_id(&self) -> u64 {
        0
    }
    fn host_empty(&self) {}
    fn host_thread_id_sw(&self) -> u64 {
        0
    }
    fn host_empty_sw(&self) {}
}

/// The probe image's bindings (`hostile/probe.edl`).
pub mod probe_edl {
    secgear_abi::include_host!("probe");
}

/// Hostile images (`hostile/`): a probe that starts the runtime, one that
/// never does, and one that breaks the call protocol.
pub const PROBE_ENTRY_IMAGE: &str = env!("SECGEAR_PROBE_ENTRY_IMAGE");
pub const PROBE_NO_ENTRY_IMAGE: &str = env!("SECGEAR_PROBE_NO_ENTRY_IMAGE");
pub const ROGUE_IMAGE: &str = env!("SECGEAR_ROGUE_IMAGE");

secgear_host::include_enclave_image!();

/// The directory holding cdylib `file` (e.g. `libsecgear.so`) for the
/// running test or benchmark: `<target>/<profile>/deps` where cargo builds
/// it for tests, else `<target>/<profile>`.
pub fn cdylib_dir(file: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let deps = exe.parent().expect("target/<profile>/deps/<test>");
    [deps, deps.parent().unwrap_or(deps)]
        .into_iter()
        .find(|d| d.join(file).exists())
        .unwrap_or_else(|| panic!("{file} next to the test"))
        .to_path_buf()
}
