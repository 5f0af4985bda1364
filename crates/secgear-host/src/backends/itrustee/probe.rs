//! Whether Huawei iTrustee (Arm TrustZone) is present on this machine.

/// Device nodes whose presence means the driver is loaded.
pub const DEVICES: &[&str] = &["/dev/tc_ns_client"];

pub fn present() -> Option<&'static str> {
    DEVICES
        .iter()
        .copied()
        .find(|d| std::path::Path::new(d).exists())
}
