//! Whether Penglai (RISC-V) is present on this machine.

/// Device nodes whose presence means the driver is loaded.
pub const DEVICES: &[&str] = &["/dev/penglai_enclave_dev"];

pub fn present() -> Option<&'static str> {
    DEVICES
        .iter()
        .copied()
        .find(|d| std::path::Path::new(d).exists())
}
