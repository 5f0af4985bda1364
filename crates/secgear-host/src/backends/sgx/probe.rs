//! Whether Intel SGX is present on this machine.

/// Device nodes whose presence means the driver is loaded.
pub const DEVICES: &[&str] = &["/dev/sgx_enclave", "/dev/sgx/enclave", "/dev/isgx"];

pub fn present() -> Option<&'static str> {
    DEVICES
        .iter()
        .copied()
        .find(|d| std::path::Path::new(d).exists())
}
