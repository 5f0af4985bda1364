//! Switchless calls: ECALLs handed to enclave worker threads through a
//! shared-memory task pool, with no context switch while the workers are
//! awake.
//!
//! A synchronous call claims a free task, publishes it, and waits: it spins
//! with the CPU's pause hint (yielding the CPU once the claim is overdue by a
//! few thousand looks) for `retries_before_fallback` microseconds for a
//! worker to claim the task; if none did, it revokes the task (an atomic
//! bit that the submitter and the workers clear exactly once, so the call
//! runs exactly once) and makes a normal call instead. A full pool, or a
//! message larger than a task, also takes the normal path: it is not an
//! error.
//!
//! Asynchronous calls (`<function>_async`) return an
//! [`AsyncCall`](secgear_abi::AsyncCall) at once; on a full pool they fail
//! with `SwitchlessTaskPoolFull`, or with `rollback_to_common` run as a
//! normal call whose handle is already complete. Switchless OCALLs are
//! served by `num_uworkers` host threads through a second pool (started
//! only when the EDL has such OCALLs); an OCALL served there cannot make
//! nested private ECALLs, since it runs on a host thread outside the ECALL's
//! slot. Shared buffers ([`SharedBuf`](crate::SharedBuf)) live in an arena of
//! `shared_memory` bytes mapped by both sides at creation.

use secgear_abi::{Error, ErrorCode};

/// What idle enclave workers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkersPolicy {
    /// Spin (with pause hints) while idle: lowest latency, one core per worker.
    #[default]
    Busy,
    /// Spin for `retries_before_sleep` microseconds, then sleep on a futex
    /// until a call is submitted: an idle enclave uses almost no CPU.
    Wakeup,
}

/// The original secGear switchless knobs, with documented units and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchlessConfig {
    /// Host workers serving switchless OCALLs, 0..=64 (default 1).
    pub num_uworkers: u32,
    /// Enclave workers serving switchless ECALLs, 1..=64 (default 1).
    pub num_tworkers: u32,
    /// Task pool size in units of 64 tasks, 1..=8 (default 1).
    pub pool_size: u32,
    /// How long a synchronous call spins for a worker to take it before it
    /// falls back to a normal call, in microseconds, 1..=1_000_000 (default 1000).
    pub retries_before_fallback: u32,
    /// How long an idle worker spins before it sleeps (wakeup policy), in
    /// microseconds, 0..=1_000_000 (default 100).
    pub retries_before_sleep: u32,
    /// Most parameters of a switchless function, 1..=16 (default 16). Each
    /// task holds up to 4 KiB of marshalled arguments; a bigger call takes
    /// the normal path.
    pub parameter_num: u32,
    pub workers_policy: WorkersPolicy,
    /// Asynchronous calls on a full pool run as normal calls.
    pub rollback_to_common: bool,
    /// CPU affinity of the enclave workers (core numbers below 64; empty: any).
    pub cores: Vec<usize>,
    /// Bytes of shared memory for [`Enclave::alloc_shared`](crate::Enclave::alloc_shared),
    /// 0..=1 GiB (default 16 MiB; pages cost memory only once touched).
    pub shared_memory: usize,
}

impl Default for SwitchlessConfig {
    fn default() -> Self {
        Self {
            num_uworkers: 1,
            num_tworkers: 1,
            pool_size: 1,
            retries_before_fallback: 1000,
            retries_before_sleep: 100,
            parameter_num: 16,
            workers_policy: WorkersPolicy::Busy,
            rollback_to_common: false,
            cores: Vec::new(),
            shared_memory: 16 << 20,
        }
    }
}

/// Bytes of marshalled arguments one task holds.
pub const TASK_CAPACITY: usize = 4096;

fn range(field: &str, value: u64, lo: u64, hi: u64) -> Result<(), Error> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::BadParameters,
            format!("switchless.{field} = {value} is outside {lo}..={hi}"),
        ))
    }
}

impl SwitchlessConfig {
    /// Refuses values outside the documented ranges, naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        range("num_uworkers", self.num_uworkers.into(), 0, 64)?;
        range("num_tworkers", self.num_tworkers.into(), 1, 64)?;
        range("pool_size", self.pool_size.into(), 1, 8)?;
        range(
            "retries_before_fallback",
            self.retries_before_fallback.into(),
            1,
            1_000_000,
        )?;
        range(
            "retries_before_sleep",
            self.retries_before_sleep.into(),
            0,
            1_000_000,
        )?;
        range("parameter_num", self.parameter_num.into(), 1, 16)?;
        range("shared_memory", self.shared_memory as u64, 0, 1 << 30)?;
        let cpus = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(64);
        for core in &self.cores {
            range("cores", *core as u64, 0, cpus as u64 - 1)?;
        }
        Ok(())
    }

    /// Task slots in the pool: `pool_size` units of 64.
    pub fn tasks(&self) -> usize {
        self.pool_size as usize * 64
    }

    /// The worker cores as a bit mask (bit n: core n).
    pub fn cores_mask(&self) -> u64 {
        self.cores.iter().fold(0u64, |m, c| m | (1u64 << c))
    }
}

/// What the switchless path has done, for tuning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwitchlessStats {
    /// Calls served through the pool.
    pub served: u64,
    /// Calls that fell back to a normal call because no worker took them in time.
    pub fallbacks: u64,
    /// Calls that found the pool full (and ran as normal calls).
    pub pool_full: u64,
    /// Calls too large for a task (and ran as normal calls).
    pub oversized: u64,
    /// Times an enclave worker went to sleep / was woken (as the enclave reports them).
    pub worker_sleeps: u64,
    pub worker_wakes: u64,
    /// Switchless OCALLs served by host workers.
    pub ocalls_served: u64,
    /// Switchless OCALLs that took the normal path (as the enclave reports them).
    pub ocall_fallbacks: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_name_the_field_and_its_range() {
        let cases = [
            (
                SwitchlessConfig {
                    pool_size: 9,
                    ..Default::default()
                },
                "switchless.pool_size = 9 is outside 1..=8",
            ),
            (
                SwitchlessConfig {
                    num_tworkers: 0,
                    ..Default::default()
                },
                "switchless.num_tworkers = 0 is outside 1..=64",
            ),
            (
                SwitchlessConfig {
                    parameter_num: 17,
                    ..Default::default()
                },
                "switchless.parameter_num = 17 is outside 1..=16",
            ),
            (
                SwitchlessConfig {
                    retries_before_fallback: 0,
                    ..Default::default()
                },
                "retries_before_fallback = 0",
            ),
            (
                SwitchlessConfig {
                    cores: vec![999],
                    ..Default::default()
                },
                "switchless.cores = 999",
            ),
        ];
        for (cfg, needle) in cases {
            let err = cfg.validate().expect_err(needle);
            assert_eq!(err.kind(), ErrorCode::BadParameters);
            assert!(err.to_string().contains(needle), "{err}");
        }
        SwitchlessConfig::default()
            .validate()
            .expect("defaults are valid");
    }
}
