//! Intel SGX: the hardware seam. Detection is real; enclave creation is
//! not implemented in this release and says so.

pub mod loader;
pub mod probe;
