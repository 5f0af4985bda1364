//! Zero-copy buffers: ranges of an arena the host and the enclave both map,
//! handed out by a first-fit allocator on the host. The enclave checks every
//! pointer and length it is given against the arena, so a buffer address is
//! only ever a claim it verifies.

use crate::enclave::Enclave;
use secgear_abi::{Error, ErrorCode, UserPtr};

/// Memory shared with the enclave, from [`Enclave::alloc_shared`]: pass
/// [`SharedBuf::ptr`] as a `[user_check]` pointer argument of a switchless
/// call and the enclave reads and writes it in place, with no marshalling
/// copy. Freed when dropped.
///
/// The enclave may write it at any time while it holds the pointer, so
/// reads here are copies, never references. Keep a buffer alive until every
/// call given its pointer has finished (an asynchronous call included):
/// freed memory is handed to the next allocation.
pub struct SharedBuf<'e> {
    enclave: &'e Enclave,
    offset: u64,
    len: usize,
    reserved: u64,
}

impl std::fmt::Debug for SharedBuf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBuf")
            .field("offset", &self.offset)
            .field("len", &self.len)
            .finish()
    }
}

impl<'e> SharedBuf<'e> {
    pub(crate) fn new(enclave: &'e Enclave, offset: u64, len: usize, reserved: u64) -> Self {
        Self {
            enclave,
            offset,
            len,
            reserved,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address the enclave resolves to this buffer.
    pub fn ptr(&self) -> UserPtr {
        self.enclave.instance().arena_pointer(self.offset)
    }

    /// Where the buffer is mapped in this process, when the backend maps
    /// the arena here (the simulator does). Reading or writing through it
    /// is `unsafe`: the enclave may write the same bytes at any time.
    pub fn host_address(&self) -> Option<std::ptr::NonNull<u8>> {
        let base = self.enclave.instance().arena_host_address()?;
        let offset = usize::try_from(self.offset).ok()?;
        std::ptr::NonNull::new(base.as_ptr().wrapping_add(offset))
    }

    /// Gives the buffer up without freeing it, for a caller that keeps it
    /// beyond any borrow (the C API); [`Enclave::shared_from_parts`] takes
    /// it back.
    pub fn into_parts(self) -> SharedParts {
        let parts = SharedParts {
            offset: self.offset,
            len: self.len,
            reserved: self.reserved,
        };
        std::mem::forget(self);
        parts
    }

    fn range(&self, at: usize, len: usize) -> Result<u64, Error> {
        match at.checked_add(len) {
            Some(end) if end <= self.len => Ok(self.offset + at as u64),
            _ => Err(Error::new(
                ErrorCode::AddressUnaccessable,
                format!(
                    "{len} bytes at {at} exceed the {}-byte shared buffer",
                    self.len
                ),
            )),
        }
    }

    /// Copies `src` into the buffer at byte `at`.
    pub fn write(&self, at: usize, src: &[u8]) -> Result<(), Error> {
        let offset = self.range(at, src.len())?;
        self.enclave.instance().arena_write(offset, src)
    }

    /// Copies bytes out of the buffer at `at`.
    pub fn read(&self, at: usize, dst: &mut [u8]) -> Result<(), Error> {
        let offset = self.range(at, dst.len())?;
        self.enclave.instance().arena_read(offset, dst)
    }

    /// The whole buffer, copied out.
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; self.len];
        self.read(0, &mut out)?;
        Ok(out)
    }
}

/// A shared buffer given up by [`SharedBuf::into_parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedParts {
    offset: u64,
    len: usize,
    reserved: u64,
}

impl SharedParts {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for SharedBuf<'_> {
    fn drop(&mut self) {
        self.enclave.release_shared(self.offset, self.reserved);
    }
}

impl Enclave {
    /// Takes back a buffer given up by [`SharedBuf::into_parts`] on this
    /// enclave (once: dropping it frees the range).
    pub fn shared_from_parts(&self, parts: SharedParts) -> SharedBuf<'_> {
        SharedBuf::new(self, parts.offset, parts.len, parts.reserved)
    }

    /// Allocates `len` bytes the enclave can use in place (the analogue of
    /// `cc_malloc_shared_memory`): pass [`SharedBuf::ptr`]
    /// as a `[user_check]` argument of a switchless call. Needs switchless
    /// calls enabled with `shared_memory` above 0.
    pub fn alloc_shared(&self, len: usize) -> Result<SharedBuf<'_>, Error> {
        let arena = self.instance().arena_len();
        if arena == 0 {
            return Err(crate::backend::no_arena());
        }
        if len == 0 {
            return Err(Error::bad_parameters(
                "a shared buffer needs at least one byte",
            ));
        }
        let poisoned = || Error::new(ErrorCode::BadState, "shared-memory allocator poisoned");
        let (offset, reserved) = self
            .shared_arena()
            .lock()
            .map_err(|_| poisoned())?
            .alloc(len as u64)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::OutOfMemory,
                    format!("no free {len}-byte range in the {arena}-byte shared arena"),
                )
            })?;
        let buf = SharedBuf::new(self, offset, len, reserved);
        // A reused range may still hold an earlier buffer's bytes.
        buf.write(0, &vec![0; len])?;
        Ok(buf)
    }
}
