//! What of Penglai is on this machine.

use crate::probe::{DeviceProbe, Probe};

/// The Penglai (RISC-V) enclave driver's node.
pub(super) const DEVICES: &[&str] = &["/dev/penglai_enclave_dev"];

pub(super) fn probe() -> Probe {
    Probe::from_devices(DEVICES.iter().map(DeviceProbe::examine).collect(), false)
}
