//! What of iTrustee is on this machine.

use crate::probe::{DeviceProbe, Probe};

/// The TrustZone client driver's nodes that the TEEC library opens.
pub(super) const DEVICES: &[&str] = &["/dev/tc_ns_client"];

pub(super) fn probe() -> Probe {
    Probe::from_devices(DEVICES.iter().map(DeviceProbe::examine).collect(), false)
}
