//! The host's shared buffers as the enclave API sees them.

use crate::platform::SharedMemory;
use secgear_abi::{Error, ErrorCode};
use secgear_sim::channel::Arena;

/// The channel's arena, at the addresses the host hands out for it.
pub(super) struct SharedArena(pub(super) Arena<'static>);

impl SharedMemory for SharedArena {
    fn base(&self) -> u64 {
        secgear_sim::channel::SHARED_POINTER_BASE
    }

    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read(&self, offset: u64, dst: &mut [u8]) -> Result<(), Error> {
        self.0
            .read(offset, dst)
            .map_err(|e| Error::new(ErrorCode::AddressUnaccessable, e.to_string()))
    }

    fn write(&self, offset: u64, src: &[u8]) -> Result<(), Error> {
        self.0
            .write(offset, src)
            .map_err(|e| Error::new(ErrorCode::AddressUnaccessable, e.to_string()))
    }

    fn as_ptr(&self) -> Option<*mut u8> {
        Some(self.0.as_ptr())
    }
}
