//! What of Intel SGX is on this machine.

use crate::probe::{DeviceProbe, Probe};

/// The in-kernel driver's `/dev/sgx_enclave` (Linux 5.11+), its older `/dev/sgx/enclave` name, and the out-of-tree driver's `/dev/isgx`.
pub(super) const DEVICES: &[&str] = &["/dev/sgx_enclave", "/dev/sgx/enclave", "/dev/isgx"];

pub(super) fn probe() -> Probe {
    Probe::from_devices(DEVICES.iter().map(DeviceProbe::examine).collect(), false)
}
