//! The host's shared buffers, as an ECALL argument names them: a
//! `[user_check]` pointer and a length, both chosen by the untrusted host.
//! [`shared`] resolves them only if the whole range lies inside the arena
//! the host registered at creation; nothing else in the enclave is reachable.

use crate::context::Context;
use crate::platform::SharedMemory;
use secgear_abi::{Error, ErrorCode, UserPtr};

/// A checked range of host-shared memory. The host can change it at any
/// moment: read what must stay fixed once, with [`SharedView::copy_in`].
#[derive(Clone, Copy)]
pub struct SharedView {
    memory: &'static dyn SharedMemory,
    offset: u64,
    len: usize,
}

impl std::fmt::Debug for SharedView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedView")
            .field("offset", &self.offset)
            .field("len", &self.len)
            .finish()
    }
}

/// The pointers under which the host's shared memory is named, as
/// `(first, end)`; `None` when it registered none.
pub fn shared_range() -> Option<(u64, u64)> {
    let memory = Context::get().ok()?.platform.shared_memory()?;
    Some((memory.base(), memory.base().saturating_add(memory.size())))
}

/// Resolves `len` bytes at `ptr` in the shared arena, refusing null
/// pointers, pointers outside the arena and ranges that run past its end.
pub fn shared(ptr: UserPtr, len: usize) -> Result<SharedView, Error> {
    let memory = Context::get()?.platform.shared_memory().ok_or_else(|| {
        Error::new(
            ErrorCode::SharedMemoryNotRegistered,
            "the host registered no shared memory",
        )
    })?;
    let outside = || {
        Error::new(
            ErrorCode::AddressUnaccessable,
            format!(
                "{len} bytes at {:#x} are not inside the shared memory",
                ptr.0
            ),
        )
    };
    let offset = ptr.0.checked_sub(memory.base()).ok_or_else(outside)?;
    let end = offset.checked_add(len as u64).ok_or_else(outside)?;
    if ptr.0 == 0 || end > memory.size() {
        return Err(outside());
    }
    Ok(SharedView {
        memory,
        offset,
        len,
    })
}

impl SharedView {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn at(&self, at: usize, len: usize) -> Result<u64, Error> {
        match at.checked_add(len) {
            Some(end) if end <= self.len => Ok(self.offset + at as u64),
            _ => Err(Error::new(
                ErrorCode::AddressUnaccessable,
                format!(
                    "{len} bytes at {at} exceed the {}-byte shared range",
                    self.len
                ),
            )),
        }
    }

    /// Copies the whole range into enclave memory, where the host cannot change it.
    pub fn copy_in(&self) -> Vec<u8> {
        let mut out = vec![0; self.len];
        // In range by construction.
        let _ = self.memory.read(self.offset, &mut out);
        out
    }

    pub fn read(&self, at: usize, dst: &mut [u8]) -> Result<(), Error> {
        let offset = self.at(at, dst.len())?;
        self.memory.read(offset, dst)
    }

    /// Writes results in place, for the host to read without a copy back.
    pub fn write(&self, at: usize, src: &[u8]) -> Result<(), Error> {
        let offset = self.at(at, src.len())?;
        self.memory.write(offset, src)
    }
}

impl SharedView {
    /// Where the range is mapped in this process, for C code that uses it
    /// in place; `None` on a platform that maps no shared memory here.
    pub fn as_mut_ptr(&self) -> Option<*mut u8> {
        let offset = usize::try_from(self.offset).ok()?;
        self.memory.as_ptr().map(|base| base.wrapping_add(offset))
    }
}

/// [`shared`] for the generated dispatchers (`secgear_abi::arena`).
struct ArenaAccess;

/// Lets generated dispatchers reach the shared regions of switchless calls
/// (through secgear-abi); they resolve as [`shared`] does. Run once the
/// platform is installed.
pub(crate) fn install_arena_access() {
    secgear_abi::arena::install(Box::new(ArenaAccess));
}

impl secgear_abi::arena::Arena for ArenaAccess {
    fn read(&self, address: u64, out: &mut [u8]) -> Result<(), Error> {
        shared(UserPtr(address), out.len())?.read(0, out)
    }

    fn write(&self, address: u64, bytes: &[u8]) -> Result<(), Error> {
        shared(UserPtr(address), bytes.len())?.write(0, bytes)
    }
}
